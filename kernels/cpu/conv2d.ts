// HandmadeConv2D, cpu. y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
// As matrices, per group and per chunk of output positions: y = im2col(x) · W.

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {convGeometry, ConvGeometry, sizeOf} from '../geometry';
import type {Conv2DAttrs} from '../names';
import {filterView, inputToNhwc, outputFromNhwc, positionsView} from './conv_common';
import {gemm} from './gemm';
import {chunkPositions, colWidth, im2col, im2colIsIdentity} from './im2col';
import {HostBackend, readFloat32, writeTensor} from './io';
import {scratchFloat32} from './scratch';

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
