// The attribute subsets the gradients pass on, so a backward kernel gets exactly the forward's
// geometry (dilations and dimRoundingMode included: tfjs's own gradients drop the latter).

import type {ConvAttrs, PoolAttrs} from '../names';

/** Attributes as a caller may give them: dataFormat and dilations default (NHWC, 1). */
type Defaulted<T> = Omit<T, 'dataFormat' | 'dilations'> & {
  dataFormat?: ConvAttrs['dataFormat'];
  dilations?: ConvAttrs['dilations'];
};

/** The geometry's attributes of a convolution (its kernels', its gradients' and the harness's
 *  cases', src/compare/cases.ts), defaults filled in. */
export function convAttrsOf(a: Defaulted<ConvAttrs>): ConvAttrs {
  return {
    strides: a.strides,
    pad: a.pad,
    dataFormat: a.dataFormat ?? 'NHWC',
    dilations: a.dilations ?? 1,
    dimRoundingMode: a.dimRoundingMode,
  };
}

/** The geometry's attributes of a max pool, defaults filled in. */
export function poolAttrsOf(a: Defaulted<PoolAttrs>): PoolAttrs {
  return {
    filterSize: a.filterSize,
    strides: a.strides,
    pad: a.pad,
    dimRoundingMode: a.dimRoundingMode,
    dataFormat: a.dataFormat ?? 'NHWC',
    dilations: a.dilations ?? 1,
  };
}
