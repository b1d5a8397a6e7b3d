// Gradient of HandmadeFusedConv2D: y = act(z), z = conv2d(x, W) + bias.
//   dz = dy ⊙ act'(z);  dx, dW from the convolution's gradient at dz;  dbias = dz summed over the
//   axes the bias was broadcast along (operands.ts);  dPReLU = (dy ⊙ min(z, 0)) summed likewise.
// act' is read off y where y determines it (linear, relu, elu, sigmoid); relu6, leakyrelu and
// prelu need z itself, which is recomputed with the linear activation.
// The op always passes bias and preluActivationWeights (a scalar 0 stands in for an absent one),
// because the engine can only save inputs that exist.

import type {GradConfig, NamedAttrMap, Tensor} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import {FusedConv2DAttrs, HandmadeFusedConv2D} from '../names';
import {broadcastAxes, operandShape} from '../operands';
import {convAttrsOf} from './attrs';
import {backpropFilter, backpropInput} from './conv2d';

/** Sums `grad` (the output's shape) down to an operand of `shape` broadcast into it
 *  (operands.ts). */
export function reduceToOperand(grad: Tensor, shape: number[], a: FusedConv2DAttrs): Tensor {
  const outShape: number[] = grad.shape;
  const axes = broadcastAxes(shape, outShape, a.dataFormat);
  const channel = a.dataFormat === 'NCHW' ? 1 : 3;
  if (grad.size > 0 && axes.length === 3 && !axes.includes(channel)) {
    // Per channel. tfjs's Sum transposes its input when the summed axes are not the innermost,
    // which on the cpu backend cost more than the whole convolution's gradient (a LeNet step:
    // 15.8 of 57 ms), so the sums are arranged to need no transpose: NHWC as a row of ones
    // times grad viewed as [N * H * W, C]; NCHW summed over H * W (innermost), then over N.
    const c = outShape[channel];
    const perChannel =
      a.dataFormat === 'NCHW'
        ? tf.sum(tf.sum(tf.reshape(grad, [outShape[0], c, -1]), 2), 0)
        : tf.matMul(tf.ones([1, grad.size / c]), tf.reshape(grad, [-1, c]));
    return tf.reshape(perChannel, shape);
  }
  return tf.reshape(axes.length > 0 ? tf.sum(grad, axes, true) : grad, shape);
}

function activationDerivative(
  y: Tensor,
  z: () => Tensor,
  prelu: Tensor,
  a: FusedConv2DAttrs,
): Tensor {
  switch (a.activation) {
    case 'linear':
      return tf.onesLike(y);
    case 'relu':
      return tf.cast(tf.greater(y, 0), 'float32');
    case 'elu':
      return tf.where(tf.greater(y, 0), tf.onesLike(y), tf.add(y, 1));
    case 'sigmoid':
      return tf.mul(y, tf.sub(1, y));
    case 'relu6': {
      const zz = z();
      return tf.cast(tf.logicalAnd(tf.greater(zz, 0), tf.lessEqual(zz, 6)), 'float32');
    }
    case 'leakyrelu':
      return tf.where(
        tf.greater(z(), 0),
        tf.onesLike(y),
        tf.fill(y.shape, a.leakyreluAlpha ?? 0.2),
      );
    case 'prelu': {
      const slope = tf.reshape(prelu, operandShape(prelu.shape, y.shape, a.dataFormat));
      return tf.where(tf.greater(z(), 0), tf.onesLike(y), tf.mul(tf.onesLike(y), slope));
    }
    default:
      throw new Error(`HandmadeFusedConv2D gradient: unknown activation '${a.activation}'`);
  }
}

export const fusedConv2dGrad: GradConfig = {
  kernelName: HandmadeFusedConv2D,
  inputsToSave: ['x', 'filter', 'bias', 'preluActivationWeights'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, bias, prelu, y] = saved;
    const a = attrs as unknown as FusedConv2DAttrs;
    let zMemo: Tensor | null = null;
    const z = () =>
      (zMemo ??= tf
        .engine()
        .runKernel(HandmadeFusedConv2D, {x, filter, bias, preluActivationWeights: prelu}, {
          ...convAttrsOf(a),
          activation: 'linear',
        } as unknown as NamedAttrMap) as Tensor);
    const dz =
      a.activation === 'linear'
        ? (dy as Tensor)
        : tf.mul(dy as Tensor, activationDerivative(y, z, prelu, a));
    return {
      x: () => backpropInput(dz, filter, x.shape, a),
      filter: () => backpropFilter(x, dz, filter.shape, a),
      bias: () => reduceToOperand(dz, bias.shape, a),
      preluActivationWeights: () => {
        if (a.activation !== 'prelu') return tf.zerosLike(prelu);
        const zz = z();
        const neg = tf.where(tf.greater(zz, 0), tf.zerosLike(zz), zz);
        return reduceToOperand(tf.mul(dy as Tensor, neg), prelu.shape, a);
      },
    };
  },
};
