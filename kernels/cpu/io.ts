// Reading and writing backend tensors from the host (plain TypeScript) kernels. They need only
// readSync and a way to make an output from host values, which both backends that keep tensors in
// host-reachable memory provide: cpu (makeTensorInfo) and wasm (makeOutput, which copies the
// values into the wasm heap). So one kernel function serves both.

import type {DataType, TensorInfo} from '@tensorflow/tfjs-core';

type Values = Float32Array | Int32Array;

export interface HostBackend {
  readSync(dataId: object): unknown;
  makeTensorInfo?(shape: number[], dtype: DataType, values?: Values): TensorInfo;
  makeOutput?(shape: number[], dtype: DataType, memoryOffset?: number, values?: Values): TensorInfo;
}

/** The backend a kernel was called on, as the host kernels use it: checked, so that a backend
 *  without host-readable tensors fails here with its name rather than later. */
export function hostBackend(backend: unknown): HostBackend {
  const b = backend as Partial<HostBackend> | null;
  if (
    typeof b?.readSync !== 'function' ||
    (typeof b.makeTensorInfo !== 'function' && typeof b.makeOutput !== 'function')
  ) {
    throw new Error(
      'tfjs-handmade: the host kernels need a backend that reads tensors with readSync and ' +
        'makes outputs from host values (cpu or wasm)',
    );
  }
  return b as HostBackend;
}

export function readFloat32(backend: HostBackend, t: TensorInfo): Float32Array {
  const values = backend.readSync(t.dataId);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

export function readInt32(backend: HostBackend, t: TensorInfo): Int32Array {
  const values = backend.readSync(t.dataId);
  return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
}

export function writeTensor(
  backend: HostBackend,
  shape: number[],
  dtype: DataType,
  values: Values,
): TensorInfo {
  if (backend.makeTensorInfo != null) return backend.makeTensorInfo(shape, dtype, values);
  if (backend.makeOutput != null) return backend.makeOutput(shape, dtype, undefined, values);
  throw new Error(
    'tfjs-handmade: this backend keeps its tensors where the host kernels cannot write',
  );
}
