// Gradients of the three convolution kernels. Each backward is itself a row of the table, so
// every order of derivative is a convolution with the same geometry (the JAX transpose rules):
//   Conv2D(x, W)                  -> dx = BackpropInput(dy, W),  dW = BackpropFilter(x, dy)
//   BackpropInput(dy, W) = dx     -> d(dy) = Conv2D(ddx, W),     dW = BackpropFilter(ddx, dy)
//   BackpropFilter(x, dy) = dW    -> dx = BackpropInput(dy, ddW), d(dy) = Conv2D(x, ddW)

import type {GradConfig, NamedAttrMap, Tensor} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import {
  Conv2DAttrs,
  HandmadeConv2D,
  HandmadeConv2DBackpropFilter,
  HandmadeConv2DBackpropInput,
} from '../names';
import {convAttrsOf} from './attrs';

const run = (name: string, inputs: Record<string, Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as unknown as NamedAttrMap) as Tensor;

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

export const conv2dGrad: GradConfig = {
  kernelName: HandmadeConv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved;
    const a = attrs as unknown as Conv2DAttrs;
    return {
      x: () => backpropInput(dy as Tensor, filter, x.shape, a),
      filter: () => backpropFilter(x, dy as Tensor, filter.shape, a),
    };
  },
};

export const conv2dBackpropInputGrad: GradConfig = {
  kernelName: HandmadeConv2DBackpropInput,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, saved, attrs) => {
    const [dy, filter] = saved;
    const a = attrs as unknown as Conv2DAttrs;
    return {
      dy: () => conv2d(ddx as Tensor, filter, a),
      filter: () => backpropFilter(ddx as Tensor, dy, filter.shape, a),
    };
  },
};

export const conv2dBackpropFilterGrad: GradConfig = {
  kernelName: HandmadeConv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddW, saved, attrs) => {
    const [x, dy] = saved;
    const a = attrs as unknown as Conv2DAttrs;
    return {
      x: () => backpropInput(dy, ddW as Tensor, x.shape, a),
      dy: () => conv2d(x, ddW as Tensor, a),
    };
  },
};
