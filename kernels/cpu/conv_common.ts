// What the three cpu convolution kernels share: the NHWC views of their operands as matrices, the
// zero-padded image that small convolutions read their windows from in place, and the layout step
// for NCHW calls.

import {ConvGeometry} from '../geometry';
import {fitsOneBlock, MatrixView, MAX_TAPS_SEGMENT} from './gemm';
import {colWidth} from './im2col';
import {nchwToNhwc, nhwcToNchw} from './layout';
import {COL_BUFFER_DOUBLES, scratchFloat64Over} from './scratch';

/** Rows and columns of an image padded so that every window lies inside it. */
export function paddedSize(g: ConvGeometry): [number, number] {
  return [
    (g.outHeight - 1) * g.strideHeight + g.effectiveFilterHeight,
    (g.outWidth - 1) * g.strideWidth + g.effectiveFilterWidth,
  ];
}

/** Whether the forward and filter-gradient kernels read the windows in place from a padded
 *  image: one group, unit column dilation (a window row is then one run of the image), W one
 *  GEMM block, output rows short enough for gemmTaps, and a padded image that fits the im2col
 *  buffer. */
export function windowsInPlace(g: ConvGeometry): boolean {
  const [h, w] = paddedSize(g);
  return (
    g.groups === 1 &&
    g.dilationWidth === 1 &&
    fitsOneBlock(colWidth(g), g.outChannels) &&
    g.outWidth <= MAX_TAPS_SEGMENT &&
    h * w * g.inChannels <= COL_BUFFER_DOUBLES
  );
}

/** The im2col buffer as a padded image of zeros (its border stays zero; copyIntoPadded fills the
 *  inside, image after image), in float64: the micro-kernel reads each value many times, and
 *  V8 reads a Float64Array faster than it converts from a Float32Array (c1's forward: 2.81 ->
 *  2.65 ms). */
export function zeroedPaddedImage(g: ConvGeometry): Float64Array {
  const [h, w] = paddedSize(g);
  const image = scratchFloat64Over('im2col', h * w * g.inChannels);
  image.fill(0, 0, h * w * g.inChannels);
  return image;
}

/** Copies image b of x (NHWC) inside the padded image, at (padTop, padLeft). */
export function copyIntoPadded(
  x: Float32Array,
  g: ConvGeometry,
  b: number,
  image: Float64Array,
): void {
  const {inHeight, inWidth, inChannels} = g;
  const [paddedHeight, paddedWidth] = paddedSize(g);
  const {top, left} = g.padInfo;
  const xC0 = Math.max(0, -left);
  const xC1 = Math.min(inWidth, paddedWidth - left);
  for (let xR = Math.max(0, -top); xR < Math.min(inHeight, paddedHeight - top); xR++) {
    const src = ((b * inHeight + xR) * inWidth + xC0) * inChannels;
    image.set(
      x.subarray(src, src + (xC1 - xC0) * inChannels),
      ((xR + top) * paddedWidth + xC0 + left) * inChannels,
    );
  }
}

/** Rows of positions [p0, ...) of an NHWC activation (x, y or dy), restricted to `channels`
 *  columns starting at `c0`: the matrix [positions, channels]. */
export function positionsView(
  data: Float32Array,
  rowLength: number,
  p0: number,
  c0: number,
): MatrixView {
  return {data, offset: p0 * rowLength + c0, rowStride: rowLength, colStride: 1};
}

/** Group `group`'s filter as the matrix [fh * fw * Cg, outC / groups] (HWIO is row-major). */
export function filterView(filter: Float32Array, g: ConvGeometry, group: number): MatrixView {
  return {
    data: filter,
    offset: group * g.outChannelsPerGroup,
    rowStride: g.outChannels,
    colStride: 1,
  };
}

/** The transpose of a view. */
export function transposed(v: MatrixView): MatrixView {
  return {data: v.data, offset: v.offset, rowStride: v.colStride, colStride: v.rowStride};
}

/** An activation of the input side (x or dx) as NHWC. */
export function inputToNhwc(values: Float32Array, g: ConvGeometry): Float32Array {
  return g.dataFormat === 'NHWC'
    ? values
    : nchwToNhwc(values, g.batchSize, g.inChannels, g.inHeight, g.inWidth);
}

/** An activation of the output side (y or dy) as NHWC. */
export function outputToNhwc(values: Float32Array, g: ConvGeometry): Float32Array {
  return g.dataFormat === 'NHWC'
    ? values
    : nchwToNhwc(values, g.batchSize, g.outChannels, g.outHeight, g.outWidth);
}

export function inputFromNhwc(values: Float32Array, g: ConvGeometry): Float32Array {
  return g.dataFormat === 'NHWC'
    ? values
    : nhwcToNchw(values, g.batchSize, g.inHeight, g.inWidth, g.inChannels);
}

export function outputFromNhwc(values: Float32Array, g: ConvGeometry): Float32Array {
  return g.dataFormat === 'NHWC'
    ? values
    : nhwcToNchw(values, g.batchSize, g.outHeight, g.outWidth, g.outChannels);
}
