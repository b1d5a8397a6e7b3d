// HandmadeMaxPoolGrad, cpu. dx[cell of argmax[b,yR,yC,d]] += dy[b,yR,yC,d]; the argmax comes
// from the forward pass, so this is one pass over dy. HandmadeMaxPoolGather, its transpose,
// reads instead of adds: out[b,yR,yC,d] = v[cell of argmax[b,yR,yC,d]].

import {ConvGeometry, layoutStrides, sizeOf} from '../geometry';
import {HandmadeMaxPoolGather, HandmadeMaxPoolGrad} from '../names';
import {maxPoolGradSimd} from '../simd/max_pool';
import {simdKernels} from '../simd/runtime';
import {maxPoolGradOnHeap} from '../simd/wasm_heap';
import {hostKernel} from './entry';
import {maxPoolGatherGuards, maxPoolGradGuards} from './guards';
import {readFloat32, readInt32, writeTensor} from './io';
import {nchwToNhwc, nhwcToNchw} from './layout';

/** Calls visit(yi, xi) for every output cell yi with an argmax, xi being the x cell it names. */
function forEachArgmaxCell(
  g: ConvGeometry,
  argmax: Int32Array,
  visit: (yi: number, xi: number) => void,
): void {
  const xs = layoutStrides(g.inHeight, g.inWidth, g.inChannels, g.dataFormat);
  const ys = layoutStrides(g.outHeight, g.outWidth, g.outChannels, g.dataFormat);
  const fw = g.filterWidth;
  for (let b = 0; b < g.batchSize; b++) {
    for (let yR = 0; yR < g.outHeight; yR++) {
      const xRCorner = yR * g.strideHeight - g.padInfo.top;
      for (let yC = 0; yC < g.outWidth; yC++) {
        const xCCorner = yC * g.strideWidth - g.padInfo.left;
        const yBase = b * ys.b + yR * ys.r + yC * ys.c;
        for (let d = 0; d < g.outChannels; d++) {
          const yi = yBase + d * ys.d;
          const tap = argmax[yi];
          if (tap < 0) continue;
          const wR = (tap / fw) | 0;
          const xR = xRCorner + wR * g.dilationHeight;
          const xC = xCCorner + (tap - wR * fw) * g.dilationWidth;
          visit(yi, b * xs.b + xR * xs.r + xC * xs.c + d * xs.d);
        }
      }
    }
  }
}

export function maxPoolGradCpu(
  dy: Float32Array,
  argmax: Int32Array,
  g: ConvGeometry,
): Float32Array {
  const guarded = maxPoolGradGuards(dy, argmax, g, maxPoolGradCpu);
  if (guarded != null) return guarded;
  const simd = simdKernels();
  if (simd != null) {
    const nchw = g.dataFormat === 'NCHW';
    const {batchSize: b, inHeight, inWidth, outHeight, outWidth, inChannels: c} = g;
    const dyNhwc = nchw ? nchwToNhwc(dy, b, c, outHeight, outWidth) : dy;
    const argmaxNhwc = nchw ? nchwToNhwc(argmax, b, c, outHeight, outWidth) : argmax;
    const dxNhwc = maxPoolGradSimd(simd, dyNhwc, argmaxNhwc, g);
    if (dxNhwc != null) return nchw ? nhwcToNchw(dxNhwc, b, inHeight, inWidth, c) : dxNhwc;
  }
  const dx = new Float32Array(sizeOf(g.inShape));
  forEachArgmaxCell(g, argmax, (yi, xi) => {
    dx[xi] += dy[yi];
  });
  return dx;
}

export function maxPoolGatherCpu(
  v: Float32Array,
  argmax: Int32Array,
  g: ConvGeometry,
): Float32Array {
  const guarded = maxPoolGatherGuards(v, argmax, g, maxPoolGatherCpu);
  if (guarded != null) return guarded;
  const out = new Float32Array(sizeOf(g.outShape));
  forEachArgmaxCell(g, argmax, (yi, xi) => {
    out[yi] = v[xi];
  });
  return out;
}

export const maxPoolGradCpuKernel = hostKernel(
  HandmadeMaxPoolGrad,
  ({inputs: {dy, argmax}, g, io, heap}) =>
    (heap && maxPoolGradOnHeap(heap, dy, argmax, g)) ??
    writeTensor(
      io,
      g.inShape,
      'float32',
      maxPoolGradCpu(readFloat32(io, dy), readInt32(io, argmax), g),
    ),
);

export const maxPoolGatherCpuKernel = hostKernel(
  HandmadeMaxPoolGather,
  ({inputs: {x, argmax}, g, io}) =>
    writeTensor(
      io,
      g.outShape,
      'float32',
      maxPoolGatherCpu(readFloat32(io, x), readInt32(io, argmax), g),
    ),
);
