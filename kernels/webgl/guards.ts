// What every webgl convolution and max-pool kernel does before it chooses its programs: outputs
// whose whole window lies in the padding are not computed. Their values are known (0 for a
// convolution before bias and activation, -Infinity with no argmax for a max pool), and dy at
// those outputs reaches neither dx nor dW. The programs run on the geometry cropped to the
// rectangle of outputs whose windows read x (geometry.ts, liveRegion); the result is padded back
// to the full output with tfjs's own PadV2 (inputs shaped like the output are cut to the
// rectangle with its Slice), so that a 1x1 input with a pad of 1000 is one window's work.
// The same guard on the host kernels is kernels/cpu/guards.ts.

import type {DataType, TensorInfo} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import {ConvGeometry, cropToRegion, isWholeOutput, LiveRegion, liveRegion} from '../geometry';
import type {WebGLBackend} from './backend';

function runBackendKernel(
  gl: WebGLBackend,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: object,
): TensorInfo {
  const kernel = tf.getKernel(name, 'webgl');
  if (kernel == null) throw new Error(`the webgl backend has no ${name} kernel`);
  return kernel.kernelFunc({inputs, backend: gl, attrs: attrs as tf.NamedAttrMap}) as TensorInfo;
}

/** [axis of rows, axis of columns] of an output-shaped tensor in g's layout. */
function spatialAxes(g: ConvGeometry): [number, number] {
  return g.dataFormat === 'NHWC' ? [1, 2] : [2, 3];
}

/** t (shaped like g's output) cut to the region's rows and columns. */
function cut(gl: WebGLBackend, t: TensorInfo, g: ConvGeometry, r: LiveRegion): TensorInfo {
  const [rowAxis, colAxis] = spatialAxes(g);
  const begin = [0, 0, 0, 0];
  const size = [...t.shape];
  begin[rowAxis] = r.rowStart;
  begin[colAxis] = r.colStart;
  size[rowAxis] = r.rowEnd - r.rowStart;
  size[colAxis] = r.colEnd - r.colStart;
  return runBackendKernel(gl, 'Slice', {x: t}, {begin, size});
}

/** part (the region of g's output) padded back to the full output with `fill`. */
function placed(
  gl: WebGLBackend,
  part: TensorInfo,
  g: ConvGeometry,
  r: LiveRegion,
  fill: number,
): TensorInfo {
  const [rowAxis, colAxis] = spatialAxes(g);
  const paddings = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  paddings[rowAxis] = [r.rowStart, g.outHeight - r.rowEnd];
  paddings[colAxis] = [r.colStart, g.outWidth - r.colEnd];
  return runBackendKernel(gl, 'PadV2', {x: part}, {paddings, constantValue: fill});
}

function filled(gl: WebGLBackend, shape: number[], value: number, dtype: DataType): TensorInfo {
  return runBackendKernel(gl, 'Fill', {}, {shape, value, dtype});
}

/** The kernel's outputs, each shaped like g's output: computed on the live region (from the
 *  inputs `perOutput`, shaped like g's output too, cut to it), `fills` (value and dtype, one
 *  per output) elsewhere. */
export function outputsOnLiveRegion(
  gl: WebGLBackend,
  g: ConvGeometry,
  fills: [number, DataType][],
  perOutput: TensorInfo[],
  compute: (g: ConvGeometry, perOutput: TensorInfo[]) => TensorInfo[],
): TensorInfo[] {
  const r = liveRegion(g);
  if (isWholeOutput(g, r)) return compute(g, perOutput);
  if (r.rowEnd <= r.rowStart) return fills.map(([v, dtype]) => filled(gl, g.outShape, v, dtype));
  const cuts = perOutput.map((t) => cut(gl, t, g, r));
  const parts = compute(cropToRegion(g, r), cuts);
  for (const t of cuts) gl.disposeIntermediateTensorInfo(t);
  return parts.map((part, i) => {
    const full = placed(gl, part, g, r, fills[i][0]);
    gl.disposeIntermediateTensorInfo(part);
    return full;
  });
}

/** A gradient (of `shape`) whose inputs `perOutput` are shaped like g's output: computed on the
 *  live region from those inputs cut to it; 0 where no window reads x at all. */
export function gradientOnLiveRegion(
  gl: WebGLBackend,
  g: ConvGeometry,
  perOutput: TensorInfo[],
  shape: number[],
  compute: (g: ConvGeometry, perOutput: TensorInfo[]) => TensorInfo,
): TensorInfo {
  const r = liveRegion(g);
  if (isWholeOutput(g, r)) return compute(g, perOutput);
  if (r.rowEnd <= r.rowStart) return filled(gl, shape, 0, 'float32');
  const parts = perOutput.map((t) => cut(gl, t, g, r));
  const result = compute(cropToRegion(g, r), parts);
  for (const t of parts) gl.disposeIntermediateTensorInfo(t);
  return result;
}
