// Every host kernel's entry point (cpu and wasm backends), made by hostKernel: the shared check
// of its inputs and attributes (checks.ts), the outputs written at once where they are known
// without computing (trivial.ts), then the kernel's body, which runs in place on tfjs-wasm's heap
// where the call allows (simd/wasm_heap.ts) and on host copies of its inputs otherwise.

import type {KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo} from '@tensorflow/tfjs-core';

import {CheckedCall, checkKernelCallKept, InputInfo} from '../checks';
import type {ConvGeometry} from '../geometry';
import type {KernelName} from '../names';
import {WasmHeap, wasmHeap} from '../simd/wasm_heap';
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
  const checked = checkKernelCallKept(
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

/** What a host kernel's body gets. */
export interface HostCall {
  /** the kernel's inputs by name (an optional one may be absent) */
  inputs: Record<string, TensorInfo>;
  attrs: NamedAttrMap;
  g: ConvGeometry;
  /** the backend, to read host copies of the inputs and write the outputs */
  io: HostBackend;
  /** tfjs-wasm's heap where the kernel runs on the wasm backend, else null */
  heap: WasmHeap | null;
}

/** The kernel function of a host kernel whose work, past the check and the trivial outputs, is
 *  `body`. */
export function hostKernel(
  kernel: KernelName,
  body: (call: HostCall) => TensorInfo | TensorInfo[],
): KernelFunc {
  return ({inputs, backend, attrs}) => {
    const {checked, io, outputs} = startHostCall(kernel, inputs, attrs, backend);
    if (outputs != null) return outputs.length === 1 ? outputs[0] : outputs;
    return body({
      inputs: inputs as Record<string, TensorInfo>,
      attrs: attrs ?? {},
      g: checked.geometry,
      io,
      heap: wasmHeap(backend),
    });
  };
}
