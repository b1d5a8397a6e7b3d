// The start of every webgl kernel's entry point: the shared check of its inputs and attributes
// (checks.ts), and the outputs made from host values where they are known without computing
// (trivial.ts: empty outputs, or an empty input summed or scanned over).

import type {NamedTensorInfoMap, TensorInfo} from '@tensorflow/tfjs-core';

import {CheckedCall, checkKernelCallKept, InputInfo} from '../checks';
import type {KernelName} from '../names';
import {trivialOutputs} from '../trivial';
import type {WebGLBackend} from './backend';

/** checked, and the outputs where checked.trivial (else null). */
export function startWebglCall(
  kernel: KernelName,
  inputs: NamedTensorInfoMap,
  attrs: object | undefined,
  gl: WebGLBackend,
): {checked: CheckedCall; outputs: TensorInfo[] | null} {
  const checked = checkKernelCallKept(
    kernel,
    inputs as Record<string, InputInfo | undefined>,
    attrs ?? {},
  );
  if (!checked.trivial) return {checked, outputs: null};
  const read = (t: TensorInfo) => Float32Array.from(gl.readSync(t.dataId) as ArrayLike<number>);
  const outputs = trivialOutputs(kernel, checked, attrs ?? {}, inputs, read).map((o) =>
    gl.makeTensorInfo(o.shape, o.dtype, o.values),
  );
  return {checked, outputs};
}
