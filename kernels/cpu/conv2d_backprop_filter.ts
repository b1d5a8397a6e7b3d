// HandmadeConv2DBackpropFilter, cpu. dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · dy[b,yR,yC,d2]
// As matrices, per group, summed over chunks of positions: dW += im2col(x)ᵀ · dy.

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {convGeometry, ConvGeometry, sizeOf} from '../geometry';
import type {Conv2DBackpropFilterAttrs} from '../names';
import {filterView, inputToNhwc, outputToNhwc, positionsView, transposed} from './conv_common';
import {gemm} from './gemm';
import {chunkPositions, colWidth, im2col, im2colIsIdentity} from './im2col';
import {HostBackend, readFloat32, writeTensor} from './io';
import {scratchFloat32} from './scratch';

export function conv2dBackpropFilterCpu(x: Float32Array, dy: Float32Array, g: ConvGeometry):
    Float32Array {
  const xNhwc = inputToNhwc(x, g);
  const dyNhwc = outputToNhwc(dy, g);
  const dW = new Float32Array(sizeOf(g.filterShape));  // [fh, fw, Cg, outC]
  const positions = g.batchSize * g.outHeight * g.outWidth;
  const n = g.outChannelsPerGroup;
  if (im2colIsIdentity(g)) {
    for (let group = 0; group < g.groups; group++) {
      gemm(g.inChannelsPerGroup, n, positions,
           transposed(positionsView(xNhwc, g.inChannels, 0, group * g.inChannelsPerGroup)),
           positionsView(dyNhwc, g.outChannels, 0, group * n), filterView(dW, g, group), true);
    }
    return dW;
  }
  const k = colWidth(g);
  const chunk = chunkPositions(g);
  const col = scratchFloat32('im2col', chunk * k);
  for (let p0 = 0; p0 < positions; p0 += chunk) {
    const rows = Math.min(chunk, positions - p0);
    for (let group = 0; group < g.groups; group++) {
      im2col(xNhwc, g, group, p0, rows, col);
      gemm(k, n, rows, transposed(positionsView(col, k, 0, 0)),
           positionsView(dyNhwc, g.outChannels, p0, group * n), filterView(dW, g, group), true);
    }
  }
  return dW;
}

export const conv2dBackpropFilterCpuKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, dy} = inputs as {x: TensorInfo; dy: TensorInfo};
  const io = backend as unknown as HostBackend;
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  const g = convGeometry(x.shape, a.filterShape, a);
  const dW = conv2dBackpropFilterCpu(readFloat32(io, x), readFloat32(io, dy), g);
  return writeTensor(io, g.filterShape, 'float32', dW);
};
