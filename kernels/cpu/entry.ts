// The start of every host kernel's entry point: the shared check of its inputs and attributes
// (checks.ts), and the outputs written at once where they are known without computing
// (trivial.ts).

import type {NamedTensorInfoMap, TensorInfo} from '@tensorflow/tfjs-core';

import {CheckedCall, checkKernelCall, InputInfo} from '../checks';
import type {KernelName} from '../names';
import {trivialOutputs} from '../trivial';
import {HostBackend, hostBackend, readFloat32, writeTensor} from './io';

/** checked, the backend as the host kernels use it, and the outputs where checked.trivial (else
 *  null). */
export function startHostCall(
  kernel: KernelName,
  inputs: NamedTensorInfoMap,
  attrs: object | undefined,
  backend: unknown,
): {checked: CheckedCall; io: HostBackend; outputs: TensorInfo[] | null} {
  const io = hostBackend(backend);
  const checked = checkKernelCall(
    kernel,
    inputs as Record<string, InputInfo | undefined>,
    attrs ?? {},
  );
  if (!checked.trivial) return {checked, io, outputs: null};
  const outputs = trivialOutputs(kernel, checked, attrs ?? {}, inputs, (t) =>
    readFloat32(io, t),
  ).map((o) => writeTensor(io, o.shape, o.dtype, o.values));
  return {checked, io, outputs};
}
