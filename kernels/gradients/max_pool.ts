// Gradients of the max-pool kernels. The forward saves its argmax; the backward scatters dy to
// it (HandmadeMaxPoolGrad), and the scatter and the gather (HandmadeMaxPoolGather) are each
// other's transpose, so every order of derivative is one of the two. The argmax is an integer
// index: its own gradient is zero.

import type {GradConfig, NamedAttrMap, Tensor} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import {
  HandmadeMaxPool,
  HandmadeMaxPoolGather,
  HandmadeMaxPoolGrad,
  HandmadeMaxPoolValues,
  PoolAttrs,
} from '../names';
import {poolAttrsOf} from './attrs';

function scatter(dy: Tensor, argmax: Tensor, inputShape: number[], a: PoolAttrs): Tensor {
  return tf.engine().runKernel(HandmadeMaxPoolGrad, {dy, argmax}, {
    ...poolAttrsOf(a),
    inputShape,
  } as unknown as NamedAttrMap) as Tensor;
}

function gather(x: Tensor, argmax: Tensor, a: PoolAttrs): Tensor {
  return tf
    .engine()
    .runKernel(
      HandmadeMaxPoolGather,
      {x, argmax},
      poolAttrsOf(a) as unknown as NamedAttrMap,
    ) as Tensor;
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
        const [y, argmax] = tf
          .engine()
          .runKernel(HandmadeMaxPool, {x}, poolAttrsOf(a) as unknown as NamedAttrMap) as Tensor[];
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
