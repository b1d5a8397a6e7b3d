// HandmadeMaxPool, cpu. y[b,yR,yC,d] = max over the window; argmax = wR * fw + wC of the first
// maximum in row-major window order (strict >), so NaN never wins and an all-NaN (or empty)
// window gives -Infinity with argmax -1, as tfjs's cpu backend does.
// One pass over the output: for each cell, its in-range taps are listed once, then each channel
// keeps its running maximum in a local, so nothing is pre-filled and the tap loop has no bounds tests.

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
  const y = new Float32Array(n);  // NHWC [B, outH, outW, C]
  const argmax = new Int32Array(n);
  // A window's taps as x offsets (of channel 0) from its corner cell, and their indices
  // wR * fw + wC: all of them for a window inside x, the in-range ones for a window at an edge.
  const {filterHeight, filterWidth} = g;
  const fullOffset = new Int32Array(filterHeight * filterWidth);
  const fullIndex = new Int32Array(filterHeight * filterWidth);
  const edgeOffset = new Int32Array(filterHeight * filterWidth);
  const edgeIndex = new Int32Array(filterHeight * filterWidth);
  for (let wR = 0, t = 0; wR < filterHeight; wR++) {
    for (let wC = 0; wC < filterWidth; wC++, t++) {
      fullOffset[t] = (wR * g.dilationHeight * inWidth + wC * g.dilationWidth) * channels;
      fullIndex[t] = t;
    }
  }
  let o = 0;
  for (let b = 0; b < g.batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const xRCorner = yR * g.strideHeight - g.padInfo.top;
      const rowsInside = xRCorner >= 0 && xRCorner + g.effectiveFilterHeight <= inHeight;
      for (let yC = 0; yC < outWidth; yC++, o += channels) {
        const xCCorner = yC * g.strideWidth - g.padInfo.left;
        const corner = ((b * inHeight + xRCorner) * inWidth + xCCorner) * channels;
        let tapOffset = fullOffset;
        let tapIndex = fullIndex;
        let taps = fullOffset.length;
        if (!rowsInside || xCCorner < 0 || xCCorner + g.effectiveFilterWidth > inWidth) {
          tapOffset = edgeOffset;
          tapIndex = edgeIndex;
          taps = 0;
          for (let wR = 0; wR < filterHeight; wR++) {
            const xR = xRCorner + wR * g.dilationHeight;
            if (xR < 0 || xR >= inHeight) continue;
            for (let wC = 0; wC < filterWidth; wC++) {
              const xC = xCCorner + wC * g.dilationWidth;
              if (xC < 0 || xC >= inWidth) continue;
              edgeOffset[taps] = fullOffset[wR * filterWidth + wC];
              edgeIndex[taps++] = wR * filterWidth + wC;
            }
          }
        }
        // The first tap sets each channel's maximum (a NaN or -Infinity does not count, as with
        // strict > against -Infinity); later taps replace it where they are greater.
        const first = corner + (taps > 0 ? tapOffset[0] : 0);
        const firstTap = taps > 0 ? tapIndex[0] : -1;
        for (let d = 0; d < channels; d++) {
          const v = taps > 0 ? xs[first + d] : -Infinity;
          const counts = v > -Infinity;
          y[o + d] = counts ? v : -Infinity;
          argmax[o + d] = counts ? firstTap : -1;
        }
        for (let t = 1; t < taps; t++) {
          const src = corner + tapOffset[t];
          const tap = tapIndex[t];
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
