// The start of every host kernel's entry point: the shared check of its inputs and attributes
// (checks.ts), and the outputs written at once where they are known without computing
// (trivial.ts).

import type {NamedTensorInfoMap, TensorInfo} from '@tensorflow/tfjs-core';

import {CheckedCall, checkKernelCall, InputInfo} from '../checks';
import type {KernelName} from '../names';
import {trivialOutputs} from '../trivial';
import {HostBackend, readFloat32, writeTensor} from './io';

/** checked, and the outputs where checked.trivial (else null). */
export function startHostCall(
  kernel: KernelName,
  inputs: NamedTensorInfoMap,
  attrs: object | undefined,
  io: HostBackend,
): {checked: CheckedCall; outputs: TensorInfo[] | null} {
  const checked = checkKernelCall(
    kernel,
    inputs as Record<string, InputInfo | undefined>,
    attrs ?? {},
  );
  if (!checked.trivial) return {checked, outputs: null};
  const outputs = trivialOutputs(kernel, checked, attrs ?? {}, inputs, (t) =>
    readFloat32(io, t),
  ).map((o) => writeTensor(io, o.shape, o.dtype, o.values));
  return {checked, outputs};
}
