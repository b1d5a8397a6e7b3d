// HandmadeMaxPool, cpu. y[b,yR,yC,d] = max over the window; argmax = wR * fw + wC of the first
// maximum in row-major window order (strict >), so NaN never wins and an all-NaN (or empty)
// window gives -Infinity with argmax -1, as tfjs's cpu backend does.
// One pass: window taps outside, channels inside, so every read of x is contiguous (NHWC).

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {ConvGeometry, poolGeometry, sizeOf} from '../geometry';
import type {MaxPoolAttrs} from '../names';
import {HostBackend, readFloat32, writeTensor} from './io';
import {nchwToNhwc, nhwcToNchw} from './layout';

export function maxPoolCpu(x: Float32Array, g: ConvGeometry):
    {y: Float32Array; argmax: Int32Array} {
  const {inHeight, inWidth, inChannels: channels, outHeight, outWidth} = g;
  const xs = g.dataFormat === 'NHWC' ? x :
      nchwToNhwc(x, g.batchSize, channels, inHeight, inWidth);
  const n = sizeOf(g.outShape);
  const y = new Float32Array(n).fill(-Infinity);  // NHWC [B, outH, outW, C]
  const argmax = new Int32Array(n).fill(-1);
  let o = 0;
  for (let b = 0; b < g.batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const xRCorner = yR * g.strideHeight - g.padInfo.top;
      for (let yC = 0; yC < outWidth; yC++, o += channels) {
        const xCCorner = yC * g.strideWidth - g.padInfo.left;
        for (let wR = 0; wR < g.filterHeight; wR++) {
          const xR = xRCorner + wR * g.dilationHeight;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < g.filterWidth; wC++) {
            const xC = xCCorner + wC * g.dilationWidth;
            if (xC < 0 || xC >= inWidth) continue;
            const tap = wR * g.filterWidth + wC;
            const src = ((b * inHeight + xR) * inWidth + xC) * channels;
            for (let d = 0; d < channels; d++) {
              const v = xs[src + d];
              if (v > y[o + d]) {
                y[o + d] = v;
                argmax[o + d] = tap;
              }
            }
          }
        }
      }
    }
  }
  if (g.dataFormat === 'NHWC') return {y, argmax};
  return {
    y: nhwcToNchw(y, g.batchSize, outHeight, outWidth, channels),
    argmax: nhwcToNchw(argmax, g.batchSize, outHeight, outWidth, channels),
  };
}

export const maxPoolCpuKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x} = inputs as {x: TensorInfo};
  const io = backend as unknown as HostBackend;
  const g = poolGeometry(x.shape, attrs as unknown as MaxPoolAttrs);
  const {y, argmax} = maxPoolCpu(readFloat32(io, x), g);
  return [writeTensor(io, g.outShape, 'float32', y),
          writeTensor(io, g.outShape, 'int32', argmax)];
};
