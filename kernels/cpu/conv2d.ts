// HandmadeConv2D, cpu.
//   y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1]
//                   · W[wR,wC,d1,d2]
// As matrices, per group and per chunk of output positions: y = im2col(x) · W. For a small filter
// (W one GEMM block) the im2col rows are read in place from a zero-padded copy of each image.

import {ConvGeometry, readsPadding, sizeOf} from '../geometry';
import {HandmadeConv2D} from '../names';
import {conv2dSimd, ModuleEpilogue} from '../simd/conv';
import {isDepthwise} from '../simd/depthwise';
import {simdKernels} from '../simd/runtime';
import {conv2dOnHeap} from '../simd/wasm_heap';
import {
  copyIntoPadded,
  filterView,
  inputToNhwc,
  outputFromNhwc,
  paddedSize,
  positionsView,
  windowsInPlace,
  zeroedPaddedImage,
} from './conv_common';
import {depthwiseCpu} from './depthwise';
import {hostKernel} from './entry';
import {gemm, gemmWindows, gemvWindows, gemvWindowsPair, packWholeB, WindowsView} from './gemm';
import {allFinite, allOutputsLive, conv2dGuards} from './guards';
import {chunkPositions, colWidth, im2col, im2colIsIdentity} from './im2col';
import {readFloat32, writeTensor} from './io';
import {scratchFloat32} from './scratch';

/** y = conv2d(x, W), NHWC, without an im2col copy: image b is copied into a zero-padded buffer,
 *  where the window of output (yR, yC) is the im2col row read in place at
 *  (yR * sH) * paddedWidth * C + yC * sW * C, one segment of fw * C values per window row.
 *  Needs one group, unit column dilation, the padded image within the im2col buffer and W within
 *  packWholeB (fitsWholeB). Also the input gradient's kernel at stride 1 (inputGradientAsConv). */
export function conv2dWindowsCpu(
  x: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  y: Float32Array,
): void {
  const {inChannels, outHeight, outWidth, outChannels} = g;
  const paddedWidth = paddedSize(g)[1];
  const image = zeroedPaddedImage(g);
  const k = colWidth(g);
  const segmentLength = g.filterWidth * inChannels;
  // For one output channel, W's one column (the filter itself); otherwise W is packed for
  // gemmWindows per range of window rows, below.
  const oneColumn = outChannels === 1;
  const w = Float64Array.from(filter.subarray(0, oneColumn ? k : 0));
  const windows: WindowsView = {
    data: image,
    offset: 0,
    rowStride: g.strideWidth * inChannels,
    segmentLength,
    segmentStride: g.dilationHeight * paddedWidth * inChannels,
  };
  // With one output channel and stride = dilation along rows, output row yR + 1's windows are
  // yR's one window row lower: gemvWindowsPair computes both rows from one read of the image.
  const pairRows = oneColumn && g.strideHeight === g.dilationHeight;
  const rowView = (b: number, yR: number) =>
    positionsView(y, outChannels, (b * outHeight + yR) * outWidth, 0);
  // Otherwise gemmWindows takes a band of output rows at once (about 256 positions, so that few
  // tiles of four are short), its windows' offsets from the band's first listed once.
  const bandRows = Math.max(1, Math.min(outHeight, Math.ceil(256 / outWidth)));
  const bandOffsets = new Int32Array(bandRows * outWidth);
  for (let r = 0, i = 0; r < bandRows; r++) {
    for (let yC = 0; yC < outWidth; yC++, i++) {
      bandOffsets[i] = (r * g.strideHeight * paddedWidth + yC * g.strideWidth) * inChannels;
    }
  }
  const band: WindowsView = {...windows, rowOffsets: bandOffsets};
  // An output row near the top or bottom has window rows that lie wholly in the padding: its own
  // product skips them (their segments of the windows and rows of W), so that the multiply-adds
  // by zero are not done (in a 5x5 'same' convolution of 28x28, 4% of them).
  const [firstFull, endFull] = fullRows(g);
  for (let b = 0; b < g.batchSize; b++) {
    copyIntoPadded(x, g, b, image);
    if (oneColumn) {
      for (let yR = 0; yR < outHeight; yR++) {
        windows.offset = yR * g.strideHeight * paddedWidth * inChannels;
        if (pairRows && yR + 1 < outHeight) {
          gemvWindowsPair(outWidth, k, windows, w, rowView(b, yR), rowView(b, yR + 1));
          yR++;
        } else {
          gemvWindows(outWidth, k, windows, w, rowView(b, yR));
        }
      }
      continue;
    }
    const edgeRow = (yR: number) => {
      const [s0, s1] = liveWindowRows(g, yR);
      if (s1 <= s0) return; // every window row in the padding: y stays 0
      const view = filterView(filter, g, 0);
      const rowsOfW = {...view, offset: view.offset + s0 * segmentLength * view.rowStride};
      const kLive = (s1 - s0) * segmentLength;
      windows.offset = yR * g.strideHeight * paddedWidth * inChannels + s0 * windows.segmentStride;
      gemmWindows(
        outWidth,
        outChannels,
        kLive,
        windows,
        packWholeB(rowsOfW, kLive, outChannels, segmentLength),
        rowView(b, yR),
      );
    };
    for (let yR = 0; yR < Math.min(firstFull, outHeight); yR++) edgeRow(yR);
    if (firstFull < endFull) {
      const full = packWholeB(filterView(filter, g, 0), k, outChannels, segmentLength);
      for (let yR = firstFull; yR < endFull; yR += bandRows) {
        band.offset = yR * g.strideHeight * paddedWidth * inChannels;
        const rows = Math.min(bandRows, endFull - yR);
        gemmWindows(rows * outWidth, outChannels, k, band, full, rowView(b, yR));
      }
    }
    for (let yR = Math.max(endFull, firstFull); yR < outHeight; yR++) edgeRow(yR);
  }
}

/** The window rows [s0, s1) of output row yR that read the image rather than its padding. */
function liveWindowRows(g: ConvGeometry, yR: number): [number, number] {
  // The padded row of window row s: s*dl - top + padTop.
  const top = g.padInfo.top - yR * g.strideHeight;
  const s0 = Math.max(0, Math.ceil(top / g.dilationHeight));
  const s1 = Math.min(g.filterHeight, Math.ceil((top + g.inHeight) / g.dilationHeight));
  return [s0, s1];
}

/** The output rows [first, end) whose every window row reads the image. */
function fullRows(g: ConvGeometry): [number, number] {
  let first = 0;
  while (first < g.outHeight && liveWindowRows(g, first)[0] > 0) first++;
  let end = g.outHeight;
  while (end > first && liveWindowRows(g, end - 1)[1] < g.filterHeight) end--;
  return [first, end];
}

/** y = act(conv2d(x, W) + bias) on the SIMD module with `finish` applied in the module while
 *  each image is there, x and y NHWC; null where the module or its guards do not take the call
 *  (then conv2dCpu and an epilogue of the caller's run instead). */
export function conv2dInModule(
  x: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  finish: ModuleEpilogue,
): Float32Array | null {
  const simd = simdKernels();
  if (simd == null || g.dataFormat !== 'NHWC' || !allOutputsLive(g)) return null;
  if (readsPadding(g) && !allFinite(filter)) return null;
  const y = new Float32Array(sizeOf(g.outShape));
  return conv2dSimd(simd, x, filter, g, y, finish) ? y : null;
}

/** y = conv2d(x, W) in the layout of g; x and y are float32 in that layout. */
export function conv2dCpu(x: Float32Array, filter: Float32Array, g: ConvGeometry): Float32Array {
  // Before any path is chosen: outputs with no window on x, and a non-finite filter (guards.ts).
  const guarded = conv2dGuards(x, filter, g, conv2dCpu);
  if (guarded != null) return guarded;
  const xNhwc = inputToNhwc(x, g);
  const y = new Float32Array(sizeOf(g.outShape)); // NHWC [B, outH, outW, outC]
  const simd = simdKernels();
  if (simd != null && conv2dSimd(simd, xNhwc, filter, g, y)) return outputFromNhwc(y, g);
  if (isDepthwise(g)) {
    depthwiseCpu(xNhwc, filter, g, y);
    return outputFromNhwc(y, g);
  }
  const positions = g.batchSize * g.outHeight * g.outWidth;
  const n = g.outChannelsPerGroup;
  if (im2colIsIdentity(g)) {
    for (let group = 0; group < g.groups; group++) {
      gemm(
        positions,
        n,
        g.inChannelsPerGroup,
        positionsView(xNhwc, g.inChannels, 0, group * g.inChannelsPerGroup),
        filterView(filter, g, group),
        positionsView(y, g.outChannels, 0, group * n),
        false,
      );
    }
    return outputFromNhwc(y, g);
  }
  if (windowsInPlace(g)) {
    conv2dWindowsCpu(xNhwc, filter, g, y);
    return outputFromNhwc(y, g);
  }
  const k = colWidth(g);
  const chunk = chunkPositions(g);
  const col = scratchFloat32('im2col', chunk * k);
  for (let p0 = 0; p0 < positions; p0 += chunk) {
    const rows = Math.min(chunk, positions - p0);
    for (let group = 0; group < g.groups; group++) {
      im2col(xNhwc, g, group, p0, rows, col);
      gemm(
        rows,
        n,
        k,
        positionsView(col, k, 0, 0),
        filterView(filter, g, group),
        positionsView(y, g.outChannels, p0, group * n),
        false,
      );
    }
  }
  return outputFromNhwc(y, g);
}

export const conv2dCpuKernel = hostKernel(
  HandmadeConv2D,
  ({inputs: {x, filter}, g, io, heap}) =>
    (heap && conv2dOnHeap(heap, x, filter, g)) ??
    writeTensor(
      io,
      g.outShape,
      'float32',
      conv2dCpu(readFloat32(io, x), readFloat32(io, filter), g),
    ),
);
