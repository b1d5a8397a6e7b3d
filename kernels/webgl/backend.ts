// What the webgl dispatchers share: the backend's type (a type-only import; the side-effect
// import that registers the backend lives in src/register.ts) and flattening an operand.

import type {MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import type {TensorInfo} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import {sizeOf} from '../geometry';

export type WebGLBackend = MathBackendWebGL;

/** t as a 1-D tensor, through the backend's own Reshape (free for an unpacked texture). The
 *  caller owns the result and disposes it with disposeIntermediateTensorInfo. */
export function flatten(backend: WebGLBackend, t: TensorInfo): TensorInfo {
  const reshape = tf.getKernel('Reshape', 'webgl');
  if (reshape == null) throw new Error('the webgl backend has no Reshape kernel');
  return reshape.kernelFunc({
    inputs: {x: t},
    backend,
    attrs: {shape: [sizeOf(t.shape)]},
  }) as TensorInfo;
}
