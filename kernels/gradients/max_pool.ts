// Gradients of the max-pool kernels. The forward saves its argmax; the backward scatters dy to
// it (HandmadeMaxPoolGrad), and the scatter and the gather (HandmadeMaxPoolGather) are each
// other's transpose, so every order of derivative is one of the two. The argmax is an integer
// index: its own gradient is zero.

import type {GradConfig, Tensor} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import {
  HandmadeMaxPool,
  HandmadeMaxPoolGather,
  HandmadeMaxPoolGrad,
  HandmadeMaxPoolValues,
  PoolAttrs,
} from '../names';
import {runKernel, runKernelOutputs} from '../run';
import {poolAttrsOf} from './attrs';

function scatter(dy: Tensor, argmax: Tensor, inputShape: number[], a: PoolAttrs): Tensor {
  return runKernel(HandmadeMaxPoolGrad, {dy, argmax}, {...poolAttrsOf(a), inputShape});
}

function gather(x: Tensor, argmax: Tensor, a: PoolAttrs): Tensor {
  return runKernel(HandmadeMaxPoolGather, {x, argmax}, poolAttrsOf(a));
}

export const maxPoolGrad: GradConfig = {
  kernelName: HandmadeMaxPool,
  inputsToSave: ['x'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, argmax] = saved;
    const dy = (dys as Tensor[])[0];
    return {x: () => scatter(dy, argmax, x.shape, attrs as unknown as PoolAttrs)};
  },
};

/** The values-only forward kept no argmax: its gradient finds it again with HandmadeMaxPool. */
export const maxPoolValuesGrad: GradConfig = {
  kernelName: HandmadeMaxPoolValues,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const a = attrs as unknown as PoolAttrs;
    return {
      x: () => {
        const [y, argmax] = runKernelOutputs(HandmadeMaxPool, {x}, poolAttrsOf(a));
        y.dispose();
        const dx = scatter(dy as Tensor, argmax, x.shape, a);
        argmax.dispose();
        return dx;
      },
    };
  },
};

export const maxPoolGradGrad: GradConfig = {
  kernelName: HandmadeMaxPoolGrad,
  inputsToSave: ['argmax'],
  gradFunc: (ddx, saved, attrs) => {
    const [argmax] = saved;
    return {
      dy: () => gather(ddx as Tensor, argmax, attrs as unknown as PoolAttrs),
      argmax: () => tf.zeros(argmax.shape),
    };
  },
};

export const maxPoolGatherGrad: GradConfig = {
  kernelName: HandmadeMaxPoolGather,
  inputsToSave: ['x', 'argmax'],
  gradFunc: (dy, saved, attrs) => {
    const [x, argmax] = saved;
    return {
      x: () => scatter(dy as Tensor, argmax, x.shape, attrs as unknown as PoolAttrs),
      argmax: () => tf.zeros(argmax.shape),
    };
  },
};
