// HandmadeConv2DBackpropFilter, cpu.
//   dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1]
//                     · dy[b,yR,yC,d2]
// As matrices, per group, summed over chunks of positions: dW += im2col(x)ᵀ · dy. For a small
// filter the rows of im2col(x)ᵀ are read in place from a zero-padded copy of each image.

import {ConvGeometry, sizeOf} from '../geometry';
import {HandmadeConv2DBackpropFilter} from '../names';
import {conv2dBackpropFilterSimd} from '../simd/conv';
import {isDepthwise} from '../simd/depthwise';
import {simdKernels} from '../simd/runtime';
import {conv2dBackpropFilterOnHeap} from '../simd/wasm_heap';
import {
  copyIntoPadded,
  filterView,
  inputToNhwc,
  outputToNhwc,
  paddedSize,
  positionsView,
  transposed,
  windowsInPlace,
  zeroedPaddedImage,
} from './conv_common';
import {depthwiseBackpropFilterCpu} from './depthwise';
import {hostKernel} from './entry';
import {gemm, gemmTaps, TapsView} from './gemm';
import {conv2dBackpropFilterCropGuard, conv2dBackpropFilterFiniteGuard} from './guards';
import {chunkPositions, colWidth, im2col, im2colIsIdentity} from './im2col';
import {readFloat32, writeTensor} from './io';
import {scratchFloat32} from './scratch';

/** dW = Σ_b im2col(x_b)ᵀ · dy_b, NHWC, without an im2col copy: row (wR, wC, d1) of im2col(x_b)ᵀ
 *  starts at wR * dlH * paddedWidth * C + wC * dlW * C + d1 in the padded image b, and its
 *  columns (output positions) step by sW * C along an output row, sH rows of the image apart. */
function conv2dBackpropFilterWindowsCpu(
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  dW: Float32Array,
): void {
  const {inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth} = g;
  const paddedWidth = paddedSize(g)[1];
  const image = zeroedPaddedImage(g);
  const tapOffsets = new Int32Array(colWidth(g));
  for (let wR = 0, i = 0; wR < filterHeight; wR++) {
    for (let wC = 0; wC < filterWidth; wC++) {
      const cell = (wR * g.dilationHeight * paddedWidth + wC * g.dilationWidth) * inChannels;
      for (let d1 = 0; d1 < inChannels; d1++) tapOffsets[i++] = cell + d1;
    }
  }
  const taps: TapsView = {
    data: image,
    offset: 0,
    rowOffsets: tapOffsets,
    kStep: g.strideWidth * inChannels,
    segmentLength: outWidth,
    segmentStride: g.strideHeight * paddedWidth * inChannels,
  };
  const perImage = outHeight * outWidth;
  for (let b = 0; b < g.batchSize; b++) {
    copyIntoPadded(x, g, b, image);
    gemmTaps(
      tapOffsets.length,
      outChannels,
      perImage,
      taps,
      positionsView(dy, outChannels, b * perImage, 0),
      filterView(dW, g, 0),
      true,
    );
  }
}

export function conv2dBackpropFilterCpu(
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
): Float32Array {
  // Before any path is chosen: outputs with no window on x, and a non-finite dy (guards.ts;
  // the SIMD path checks dy itself, and declines it where the guard has work).
  const cropped = conv2dBackpropFilterCropGuard(x, dy, g, conv2dBackpropFilterCpu);
  if (cropped != null) return cropped;
  const xNhwc = inputToNhwc(x, g);
  const dyNhwc = outputToNhwc(dy, g);
  const dW = new Float32Array(sizeOf(g.filterShape)); // [fh, fw, Cg, outC]
  const simd = simdKernels();
  if (simd != null && conv2dBackpropFilterSimd(simd, xNhwc, dyNhwc, g, dW)) return dW;
  // The depthwise sums visit no padding: exact for any dy, before the finiteness guard.
  if (isDepthwise(g)) {
    depthwiseBackpropFilterCpu(xNhwc, dyNhwc, g, dW);
    return dW;
  }
  const direct = conv2dBackpropFilterFiniteGuard(x, dy, g);
  if (direct != null) return direct;
  const positions = g.batchSize * g.outHeight * g.outWidth;
  const n = g.outChannelsPerGroup;
  if (im2colIsIdentity(g)) {
    for (let group = 0; group < g.groups; group++) {
      gemm(
        g.inChannelsPerGroup,
        n,
        positions,
        transposed(positionsView(xNhwc, g.inChannels, 0, group * g.inChannelsPerGroup)),
        positionsView(dyNhwc, g.outChannels, 0, group * n),
        filterView(dW, g, group),
        true,
      );
    }
    return dW;
  }
  if (windowsInPlace(g)) {
    conv2dBackpropFilterWindowsCpu(xNhwc, dyNhwc, g, dW);
    return dW;
  }
  const k = colWidth(g);
  const chunk = chunkPositions(g);
  const col = scratchFloat32('im2col', chunk * k);
  for (let p0 = 0; p0 < positions; p0 += chunk) {
    const rows = Math.min(chunk, positions - p0);
    for (let group = 0; group < g.groups; group++) {
      im2col(xNhwc, g, group, p0, rows, col);
      gemm(
        k,
        n,
        rows,
        transposed(positionsView(col, k, 0, 0)),
        positionsView(dyNhwc, g.outChannels, p0, group * n),
        filterView(dW, g, group),
        true,
      );
    }
  }
  return dW;
}

export const conv2dBackpropFilterCpuKernel = hostKernel(
  HandmadeConv2DBackpropFilter,
  ({inputs: {x, dy}, g, io, heap}) =>
    (heap && conv2dBackpropFilterOnHeap(heap, x, dy, g)) ??
    writeTensor(
      io,
      g.filterShape,
      'float32',
      conv2dBackpropFilterCpu(readFloat32(io, x), readFloat32(io, dy), g),
    ),
);
