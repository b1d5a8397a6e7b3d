// HandmadeConv2D, cpu. y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
// As matrices, per group and per chunk of output positions: y = im2col(x) · W. For a small filter
// (W one GEMM block) the im2col rows are read in place from a zero-padded copy of each image.

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {convGeometry, ConvGeometry, sizeOf} from '../geometry';
import type {Conv2DAttrs} from '../names';
import {copyIntoPadded, filterView, inputToNhwc, outputFromNhwc, paddedSize, positionsView,
        windowsInPlace, zeroedPaddedImage} from './conv_common';
import {gemm, gemmWindows, gemvWindows, gemvWindowsPair, packWholeB, WindowsView} from './gemm';
import {chunkPositions, colWidth, im2col, im2colIsIdentity} from './im2col';
import {HostBackend, readFloat32, writeTensor} from './io';
import {scratchFloat32} from './scratch';

/** y = conv2d(x, W), NHWC, without an im2col copy: image b is copied into a zero-padded buffer,
 *  where the window of output (yR, yC) is the im2col row read in place at
 *  (yR * sH) * paddedWidth * C + yC * sW * C, one segment of fw * C values per window row.
 *  Needs one group, unit column dilation, the padded image within the im2col buffer and W within
 *  packWholeB (fitsWholeB). Also the input gradient's kernel at stride 1 (inputGradientAsConv). */
export function conv2dWindowsCpu(x: Float32Array, filter: Float32Array, g: ConvGeometry,
                                 y: Float32Array): void {
  const {inChannels, outHeight, outWidth, outChannels} = g;
  const paddedWidth = paddedSize(g)[1];
  const image = zeroedPaddedImage(g);
  const k = colWidth(g);
  const segmentLength = g.filterWidth * inChannels;
  // W packed for gemmWindows, or, for one output channel, W's one column (the filter itself).
  const oneColumn = outChannels === 1;
  const w = oneColumn ? Float64Array.from(filter.subarray(0, k)) :
      packWholeB(filterView(filter, g, 0), k, outChannels, segmentLength);
  const windows: WindowsView = {
    data: image, offset: 0, rowStride: g.strideWidth * inChannels, segmentLength,
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
  for (let b = 0; b < g.batchSize; b++) {
    copyIntoPadded(x, g, b, image);
    for (let yR = 0; yR < outHeight; yR++) {
      windows.offset = yR * g.strideHeight * paddedWidth * inChannels;
      if (pairRows && yR + 1 < outHeight) {
        gemvWindowsPair(outWidth, k, windows, w, rowView(b, yR), rowView(b, yR + 1));
        yR++;
      } else if (oneColumn) {
        gemvWindows(outWidth, k, windows, w, rowView(b, yR));
      } else {
        band.offset = windows.offset;
        const rows = Math.min(bandRows, outHeight - yR);
        gemmWindows(rows * outWidth, outChannels, k, band, w, rowView(b, yR));
        yR += rows - 1;
      }
    }
  }
}

/** y = conv2d(x, W) in the layout of g; x and y are float32 in that layout. */
export function conv2dCpu(x: Float32Array, filter: Float32Array, g: ConvGeometry): Float32Array {
  const xNhwc = inputToNhwc(x, g);
  const y = new Float32Array(sizeOf(g.outShape));  // NHWC [B, outH, outW, outC]
  const positions = g.batchSize * g.outHeight * g.outWidth;
  const n = g.outChannelsPerGroup;
  if (im2colIsIdentity(g)) {
    for (let group = 0; group < g.groups; group++) {
      gemm(positions, n, g.inChannelsPerGroup,
           positionsView(xNhwc, g.inChannels, 0, group * g.inChannelsPerGroup),
           filterView(filter, g, group),
           positionsView(y, g.outChannels, 0, group * n), false);
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
      gemm(rows, n, k, positionsView(col, k, 0, 0), filterView(filter, g, group),
           positionsView(y, g.outChannels, p0, group * n), false);
    }
  }
  return outputFromNhwc(y, g);
}

export const conv2dCpuKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, filter} = inputs as {x: TensorInfo; filter: TensorInfo};
  const io = backend as unknown as HostBackend;
  const g = convGeometry(x.shape, filter.shape, attrs as unknown as Conv2DAttrs);
  const y = conv2dCpu(readFloat32(io, x), readFloat32(io, filter), g);
  return writeTensor(io, g.outShape, 'float32', y);
};
