// Reading and writing backend tensors from the cpu kernels. Only readSync and makeTensorInfo
// are used, which every tfjs backend that keeps its data in CPU memory provides.

import type {DataType, TensorInfo} from '@tensorflow/tfjs-core';

export interface HostBackend {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array | Int32Array): TensorInfo;
}

export function readFloat32(backend: HostBackend, t: TensorInfo): Float32Array {
  const values = backend.readSync(t.dataId);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

export function readInt32(backend: HostBackend, t: TensorInfo): Int32Array {
  const values = backend.readSync(t.dataId);
  return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
}
