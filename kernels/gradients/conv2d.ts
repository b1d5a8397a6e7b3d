// Gradients of the three convolution kernels. Each backward is itself a row of the table, so
// every order of derivative is a convolution with the same geometry (the JAX transpose rules):
//   Conv2D(x, W)                  -> dx = BackpropInput(dy, W),  dW = BackpropFilter(x, dy)
//   BackpropInput(dy, W) = dx     -> d(dy) = Conv2D(ddx, W),     dW = BackpropFilter(ddx, dy)
//   BackpropFilter(x, dy) = dW    -> dx = BackpropInput(dy, ddW), d(dy) = Conv2D(x, ddW)

import type {GradConfig, NamedAttrMap, Tensor} from '@tensorflow/tfjs-core';

import {
  Conv2DAttrs,
  HandmadeConv2D,
  HandmadeConv2DBackpropFilter,
  HandmadeConv2DBackpropInput,
} from '../names';
import {runKernel} from '../run';
import {convAttrsOf} from './attrs';

const run = runKernel;

export function conv2d(x: Tensor, filter: Tensor, a: Conv2DAttrs): Tensor {
  return run(HandmadeConv2D, {x, filter}, convAttrsOf(a));
}
export function backpropInput(
  dy: Tensor,
  filter: Tensor,
  inputShape: number[],
  a: Conv2DAttrs,
): Tensor {
  return run(HandmadeConv2DBackpropInput, {dy, filter}, {...convAttrsOf(a), inputShape});
}
export function backpropFilter(
  x: Tensor,
  dy: Tensor,
  filterShape: number[],
  a: Conv2DAttrs,
): Tensor {
  return run(HandmadeConv2DBackpropFilter, {x, dy}, {...convAttrsOf(a), filterShape});
}

/** The kernel names a set of convolution gradients calls: the handmade ones, or tfjs's own (the
 *  override, src/builtin_adapters.ts, whose gradients run whatever is registered under tfjs's
 *  names). */
export interface ConvKernelNames {
  conv2d: string;
  backpropInput: string;
  backpropFilter: string;
}

/** The gradients of the three convolution kernels named k, each backward itself one of the
 *  three (see the header): attrsOf reads the geometry's attributes from a kernel's. */
export function convGradients(
  k: ConvKernelNames,
  attrsOf: (attrs: NamedAttrMap) => Conv2DAttrs,
): [GradConfig, GradConfig, GradConfig] {
  const dx = (dy: Tensor, filter: Tensor, inputShape: number[], a: Conv2DAttrs) =>
    run(k.backpropInput, {dy, filter}, {...a, inputShape});
  const dW = (x: Tensor, dy: Tensor, filterShape: number[], a: Conv2DAttrs) =>
    run(k.backpropFilter, {x, dy}, {...a, filterShape});
  const y = (x: Tensor, filter: Tensor, a: Conv2DAttrs) => run(k.conv2d, {x, filter}, a);
  return [
    {
      kernelName: k.conv2d,
      inputsToSave: ['x', 'filter'],
      gradFunc: (dy, [x, filter], attrs) => {
        const a = attrsOf(attrs);
        return {
          x: () => dx(dy as Tensor, filter, x.shape, a),
          filter: () => dW(x, dy as Tensor, filter.shape, a),
        };
      },
    },
    {
      kernelName: k.backpropInput,
      inputsToSave: ['dy', 'filter'],
      gradFunc: (ddx, [dy, filter], attrs) => {
        const a = attrsOf(attrs);
        return {
          dy: () => y(ddx as Tensor, filter, a),
          filter: () => dW(ddx as Tensor, dy, filter.shape, a),
        };
      },
    },
    {
      kernelName: k.backpropFilter,
      inputsToSave: ['x', 'dy'],
      gradFunc: (ddW, [x, dy], attrs) => {
        const a = attrsOf(attrs);
        return {
          x: () => dx(dy, ddW as Tensor, x.shape, a),
          dy: () => y(x, ddW as Tensor, a),
        };
      },
    },
  ];
}

/** The handmade kernels' gradients. */
export const [conv2dGrad, conv2dBackpropInputGrad, conv2dBackpropFilterGrad] = convGradients(
  {
    conv2d: HandmadeConv2D,
    backpropInput: HandmadeConv2DBackpropInput,
    backpropFilter: HandmadeConv2DBackpropFilter,
  },
  (attrs) => convAttrsOf(attrs as unknown as Conv2DAttrs),
);
