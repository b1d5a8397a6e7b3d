// HandmadeConv2DBackpropInput, cpu. dx[b,xR,xC,d1] = Σ dy[b,yR,yC,d2] · W[wR,wC,d1,d2] over xR = yR*s - padTop + wR*dl (and columns alike)
// As matrices, per group and chunk: dcol = dy · Wᵀ, then col2im scatters dcol back onto dx.

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {convGeometry, ConvGeometry, sizeOf} from '../geometry';
import type {Conv2DBackpropInputAttrs} from '../names';
import {filterView, inputFromNhwc, outputToNhwc, positionsView, transposed} from './conv_common';
import {gemm} from './gemm';
import {chunkPositions, col2im, colWidth, im2colIsIdentity} from './im2col';
import {HostBackend, readFloat32, writeTensor} from './io';
import {scratchFloat32} from './scratch';

export function conv2dBackpropInputCpu(dy: Float32Array, filter: Float32Array, g: ConvGeometry):
    Float32Array {
  const dyNhwc = outputToNhwc(dy, g);
  const dx = new Float32Array(sizeOf(g.inShape));  // NHWC [B, inH, inW, inC]
  const positions = g.batchSize * g.outHeight * g.outWidth;
  const n = g.outChannelsPerGroup;
  if (im2colIsIdentity(g)) {
    for (let group = 0; group < g.groups; group++) {
      gemm(positions, g.inChannelsPerGroup, n,
           positionsView(dyNhwc, g.outChannels, 0, group * n),
           transposed(filterView(filter, g, group)),
           positionsView(dx, g.inChannels, 0, group * g.inChannelsPerGroup), false);
    }
    return inputFromNhwc(dx, g);
  }
  const k = colWidth(g);
  const chunk = chunkPositions(g);
  const dcol = scratchFloat32('im2col', chunk * k);
  for (let p0 = 0; p0 < positions; p0 += chunk) {
    const rows = Math.min(chunk, positions - p0);
    for (let group = 0; group < g.groups; group++) {
      gemm(rows, k, n, positionsView(dyNhwc, g.outChannels, p0, group * n),
           transposed(filterView(filter, g, group)), positionsView(dcol, k, 0, 0), false);
      col2im(dcol, g, group, p0, rows, dx);
    }
  }
  return inputFromNhwc(dx, g);
}

export const conv2dBackpropInputCpuKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, filter} = inputs as {dy: TensorInfo; filter: TensorInfo};
  const io = backend as unknown as HostBackend;
  const a = attrs as unknown as Conv2DBackpropInputAttrs;
  const g = convGeometry(a.inputShape, filter.shape, a);
  const dx = conv2dBackpropInputCpu(readFloat32(io, dy), readFloat32(io, filter), g);
  return writeTensor(io, g.inShape, 'float32', dx);
};
