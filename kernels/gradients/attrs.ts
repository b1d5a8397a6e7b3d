// The attribute subsets the gradients pass on, so a backward kernel gets exactly the forward's
// geometry (dilations and dimRoundingMode included: tfjs's own gradients drop the latter).

import type {ConvAttrs, PoolAttrs} from '../names';

export function convAttrsOf(a: ConvAttrs): ConvAttrs {
  return {
    strides: a.strides,
    pad: a.pad,
    dataFormat: a.dataFormat ?? 'NHWC',
    dilations: a.dilations ?? 1,
    dimRoundingMode: a.dimRoundingMode,
  };
}

export function poolAttrsOf(a: PoolAttrs): PoolAttrs {
  return {
    filterSize: a.filterSize,
    strides: a.strides,
    pad: a.pad,
    dimRoundingMode: a.dimRoundingMode,
    dataFormat: a.dataFormat ?? 'NHWC',
    dilations: a.dilations ?? 1,
  };
}
