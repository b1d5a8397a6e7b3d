// The one typed way this package runs a kernel by name: through the engine, so that tfjs records
// it on the tape (gradients) and in its profiler, with the attributes of names.ts as they are
// (tfjs types them as its NamedAttrMap).

import type {NamedAttrMap, NamedTensorMap, Tensor} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

/** The outputs of kernel `name` on `inputs`, always as a list. */
export function runKernelOutputs(name: string, inputs: NamedTensorMap, attrs: object): Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs as NamedAttrMap) as Tensor | Tensor[];
  return Array.isArray(out) ? out : [out];
}

/** The one output of kernel `name` on `inputs`. */
export function runKernel(name: string, inputs: NamedTensorMap, attrs: object): Tensor {
  const outs = runKernelOutputs(name, inputs, attrs);
  if (outs.length !== 1) {
    tf.dispose(outs);
    throw new Error(`kernel ${name} gave ${outs.length} outputs where one was expected`);
  }
  return outs[0];
}
