// HandmadeFusedConv2D, cpu. y = act(conv2d(x, W) + bias), the bias and activation applied in one
// pass over the convolution's output; the operands apply by operands.ts's rule.

import type {TensorInfo} from '@tensorflow/tfjs-core';

import {ConvGeometry, sizeOf} from '../geometry';
import type {Activation, FusedConv2DAttrs} from '../names';
import {HandmadeFusedConv2D} from '../names';
import {broadcastOperand, valuesPerChannel} from '../operands';
import {conv2dOnHeap} from '../simd/wasm_heap';
import {conv2dCpu, conv2dInModule} from './conv2d';
import {hostKernel} from './entry';
import {readFloat32, writeTensor} from './io';

/** y[i] = act(y[i] + bias[i]) in place; bias and prelu are size 1 or full size. */
export function applyBiasActivation(
  y: Float32Array,
  bias: Float32Array | null,
  activation: Activation,
  alpha: number,
  prelu: Float32Array | null,
): void {
  if (bias != null) {
    if (bias.length === 1) {
      const b = bias[0];
      for (let i = 0; i < y.length; i++) y[i] += b;
    } else {
      for (let i = 0; i < y.length; i++) y[i] += bias[i];
    }
  }
  switch (activation) {
    case 'linear':
      return;
    case 'relu':
      for (let i = 0; i < y.length; i++) if (y[i] < 0) y[i] = 0;
      return;
    case 'relu6':
      for (let i = 0; i < y.length; i++) y[i] = y[i] < 0 ? 0 : y[i] > 6 ? 6 : y[i];
      return;
    case 'elu':
      for (let i = 0; i < y.length; i++) if (y[i] < 0) y[i] = Math.exp(y[i]) - 1;
      return;
    case 'leakyrelu': {
      // alpha as a float32, as the SIMD epilogue (and tfjs's float32 backends) multiply by it.
      const a = Math.fround(alpha);
      for (let i = 0; i < y.length; i++) if (y[i] < 0) y[i] *= a;
      return;
    }
    case 'prelu': {
      if (prelu == null) throw new Error('HandmadeFusedConv2D: prelu needs preluActivationWeights');
      const one = prelu.length === 1;
      for (let i = 0; i < y.length; i++) if (y[i] < 0) y[i] *= one ? prelu[0] : prelu[i];
      return;
    }
    case 'sigmoid':
      for (let i = 0; i < y.length; i++) y[i] = 1 / (1 + Math.exp(-y[i]));
      return;
    default:
      throw new Error(`HandmadeFusedConv2D: unknown activation '${activation as string}'`);
  }
}

/** The activations the SIMD module's epilogue does (assembly/epilogue.ts), by its codes. */
export const SIMD_ACTIVATIONS: Partial<Record<Activation, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  leakyrelu: 3,
  prelu: 4,
};

/** Whether an operand is absent or one float32 value per output channel (operands.ts). */
function perChannel(t: TensorInfo | undefined, g: ConvGeometry): boolean {
  return (
    t == null || (t.dtype === 'float32' && valuesPerChannel(t.shape, g.outShape, g.dataFormat))
  );
}

export const fusedConv2dCpuKernel = hostKernel(
  HandmadeFusedConv2D,
  ({inputs, attrs, g, io, heap}) => {
    const {x, filter} = inputs;
    const bias = inputs.bias as TensorInfo | undefined;
    const a = attrs as unknown as FusedConv2DAttrs;
    const alpha = a.leakyreluAlpha ?? 0.2;
    const prelu = a.activation === 'prelu' ? inputs.preluActivationWeights : undefined;
    // On tfjs-wasm, in place on its heap where the call allows (simd/wasm_heap.ts); the epilogue
    // then runs on the output where it lies: in the SIMD module where the operands are one value
    // per channel (as tf.layers and graph models make them; nothing is read back), else here.
    const operand = (t?: TensorInfo) =>
      t == null ? null : broadcastOperand(readFloat32(io, t), t.shape, g.outShape, g.dataFormat);
    if (heap != null) {
      const kind = SIMD_ACTIVATIONS[a.activation];
      const inModule =
        kind != null && g.dataFormat === 'NHWC' && perChannel(bias, g) && perChannel(prelu, g);
      const [biasAt, preluAt] = inModule
        ? [bias, prelu].map((t) => (t != null ? heap.at(t) : 0))
        : [];
      const onHeap = conv2dOnHeap(
        heap,
        x,
        filter,
        g,
        inModule
          ? {
              channels: g.outChannels,
              hasBias: bias != null ? 1 : 0,
              bias: biasAt,
              kind,
              alpha,
              prelu: preluAt,
            }
          : undefined,
      );
      if (onHeap != null) {
        if (!inModule) {
          applyBiasActivation(
            heap.f32(heap.at(onHeap), sizeOf(g.outShape)),
            operand(bias),
            a.activation,
            alpha,
            operand(prelu),
          );
        }
        return onHeap;
      }
    }
    // On the cpu backend, in the SIMD module's memory while each image is there, where the
    // module's epilogue and its forward take the call; else the convolution, then the epilogue
    // here.
    const kind = SIMD_ACTIVATIONS[a.activation];
    const [xv, filterValues] = [readFloat32(io, x), readFloat32(io, filter)];
    if (kind != null && g.dataFormat === 'NHWC' && perChannel(bias, g) && perChannel(prelu, g)) {
      const [b, p] = [bias, prelu].map((t) => (t == null ? null : readFloat32(io, t)));
      const y = conv2dInModule(xv, filterValues, g, {bias: b, prelu: p, kind, alpha});
      if (y != null) return writeTensor(io, g.outShape, 'float32', y);
    }
    const biasValues = operand(bias);
    const y = conv2dCpu(xv, filterValues, g);
    applyBiasActivation(y, biasValues, a.activation, alpha, operand(prelu));
    return writeTensor(io, g.outShape, 'float32', y);
  },
);
