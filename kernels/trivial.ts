// Outputs known without running a kernel: where an output is empty, or where an input the kernel
// sums or scans over is (a zero-sized spatial, channel or filter axis). Then
// - a convolution and both its gradients are sums over nothing: zeros (an empty output has none);
// - the fused convolution is its activation of the bias on those zeros;
// - a max pool of windows that all lie in the padding is -Infinity with no argmax (-1);
// - the max-pool gradient of an empty dy is zeros, and a gather through no argmax is 0.
// These are what tfjs's own kernels return. Every backend's entry point asks checkKernelCall
// (checks.ts) first and, where it says the call is trivial, writes these host values.

import type {TensorInfo} from '@tensorflow/tfjs-core';

import type {CheckedCall} from './checks';
import {applyBiasActivation} from './cpu/fused_conv2d';
import {sizeOf} from './geometry';
import type {FusedConv2DAttrs, KernelName} from './names';
import * as names from './names';
import {broadcastOperand} from './operands';

export interface HostOutput {
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/** The outputs of a trivial call (checked.trivial), in the kernel's order. `inputs` and `read`
 *  serve the fused convolution's bias and PReLU weights. */
export function trivialOutputs(
  kernel: KernelName,
  checked: CheckedCall,
  attrs: object,
  inputs: Record<string, TensorInfo | undefined>,
  read: (t: TensorInfo) => Float32Array,
): HostOutput[] {
  const [shape] = checked.outShapes;
  const zeros = (): HostOutput => ({
    shape,
    dtype: 'float32',
    values: new Float32Array(sizeOf(shape)),
  });
  switch (kernel) {
    case names.HandmadeMaxPool:
      return [
        {shape, dtype: 'float32', values: new Float32Array(sizeOf(shape)).fill(-Infinity)},
        {shape, dtype: 'int32', values: new Int32Array(sizeOf(shape)).fill(-1)},
      ];
    case names.HandmadeMaxPoolValues:
      return [{shape, dtype: 'float32', values: new Float32Array(sizeOf(shape)).fill(-Infinity)}];
    case names.HandmadeFusedConv2D: {
      const y = zeros();
      if (y.values.length === 0) return [y];
      const a = attrs as unknown as FusedConv2DAttrs;
      const g = checked.geometry;
      const operand = (t?: TensorInfo) =>
        t == null ? null : broadcastOperand(read(t), t.shape, g.outShape, g.dataFormat);
      applyBiasActivation(
        y.values as Float32Array,
        operand(inputs.bias),
        a.activation,
        a.leakyreluAlpha ?? 0.2,
        a.activation === 'prelu' ? operand(inputs.preluActivationWeights) : null,
      );
      return [y];
    }
    default:
      return [zeros()];
  }
}
