// What the three cpu convolution kernels share: the NHWC views of their operands as matrices, and
// the layout step for NCHW calls.

import {ConvGeometry} from '../geometry';
import {MatrixView} from './gemm';
import {nchwToNhwc, nhwcToNchw} from './layout';

/** Rows of positions [p0, ...) of an NHWC activation (x, y or dy), restricted to `channels`
 *  columns starting at `c0`: the matrix [positions, channels]. */
export function positionsView(data: Float32Array, rowLength: number, p0: number, c0: number):
    MatrixView {
  return {data, offset: p0 * rowLength + c0, rowStride: rowLength, colStride: 1};
}

/** Group `group`'s filter as the matrix [fh * fw * Cg, outC / groups] (HWIO is row-major). */
export function filterView(filter: Float32Array, g: ConvGeometry, group: number): MatrixView {
  return {data: filter, offset: group * g.outChannelsPerGroup, rowStride: g.outChannels,
          colStride: 1};
}

/** The transpose of a view. */
export function transposed(v: MatrixView): MatrixView {
  return {data: v.data, offset: v.offset, rowStride: v.colStride, colStride: v.rowStride};
}

/** An activation of the input side (x or dx) as NHWC. */
export function inputToNhwc(values: Float32Array, g: ConvGeometry): Float32Array {
  return g.dataFormat === 'NHWC' ? values :
      nchwToNhwc(values, g.batchSize, g.inChannels, g.inHeight, g.inWidth);
}

/** An activation of the output side (y or dy) as NHWC. */
export function outputToNhwc(values: Float32Array, g: ConvGeometry): Float32Array {
  return g.dataFormat === 'NHWC' ? values :
      nchwToNhwc(values, g.batchSize, g.outChannels, g.outHeight, g.outWidth);
}

export function inputFromNhwc(values: Float32Array, g: ConvGeometry): Float32Array {
  return g.dataFormat === 'NHWC' ? values :
      nhwcToNchw(values, g.batchSize, g.inHeight, g.inWidth, g.inChannels);
}

export function outputFromNhwc(values: Float32Array, g: ConvGeometry): Float32Array {
  return g.dataFormat === 'NHWC' ? values :
      nhwcToNchw(values, g.batchSize, g.outHeight, g.outWidth, g.outChannels);
}
