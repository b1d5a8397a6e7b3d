// What the webgl dispatchers share: the backend's type (the side-effect import that registers the
// backend lives in src/register.ts), flattening an operand, and the width of a packed input's
// texture.

import type {MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import {webgl_util} from '@tensorflow/tfjs-backend-webgl';
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

/** The width in texels of the packed texture from which a program with packed inputs reads t,
 *  as runWebGLProgram prepares it:
 *  - values not yet on the GPU are uploaded packed: done here, as runWebGLProgram would do it
 *    next (tfjs's packed upload lays the values out as a 3-D shape, so only the upload knows
 *    the texture's shape);
 *  - a packed texture is read as it is, unless t is a view of it that tfjs reshapes first;
 *  - an unpacked texture, or a reshaped view, is read from a packed copy of t's shape, laid out
 *    by webgl_util.getTextureShapeFromLogicalShape.
 *  A packed texture of [rows, columns] values is ceil(columns / 2) texels wide. */
export function packedTexelWidth(backend: WebGLBackend, t: TensorInfo): number {
  const data = backend.texData.get(t.dataId);
  if (data.texture == null && data.values != null) {
    data.isPacked = true;
    data.shape = t.shape;
    backend.uploadToGPU(t.dataId);
  }
  const values =
    data.isPacked && data.texShape != null && webgl_util.isReshapeFree(data.shape, t.shape)
      ? data.texShape
      : webgl_util.getTextureShapeFromLogicalShape(t.shape, true);
  return Math.max(1, Math.ceil(values[1] / 2));
}

/** The width in texels of the packed texture that runWebGLProgram makes for a program's output
 *  of `shape` (laid out by webgl_util.getTextureShapeFromLogicalShape). */
export function packedOutputTexelWidth(shape: number[]): number {
  return Math.max(1, Math.ceil(webgl_util.getTextureShapeFromLogicalShape(shape, true)[1] / 2));
}
