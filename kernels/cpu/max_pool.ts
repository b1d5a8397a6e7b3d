// HandmadeMaxPool, cpu. y[b,yR,yC,d] = max over the window; argmax = wR * fw + wC of the first
// maximum in row-major window order (strict >), so NaN never wins and an all-NaN (or empty)
// window gives -Infinity with argmax -1, as tfjs's cpu backend does.
// The scan compares int32 keys of the float32 bits instead of floats: a max pool on data of
// random order is bound by mispredicted branches, and int selects compile without branches.
// The winner's y is copied as bits from x, so it is exactly the float the float scan would keep.
// Measured on the scalar path, random data (ms, median of 7; x[8,56,56,64] 2x2/2 and
// x[8,112,112,64] 3x3/2 'same'): the generic scan with a float compare and a branch 12.2 and 80,
// with keys and selects 7.0 and 50; the 2x2 tree (maxPool2x2) 4.4 and the nine-tap scan
// (nineTaps) 30 take the common windows further.

import {ConvGeometry, sizeOf} from '../geometry';
import {HandmadeMaxPool, HandmadeMaxPoolValues} from '../names';
import {maxPoolSimd, maxPoolValuesSimd} from '../simd/max_pool';
import {simdKernels} from '../simd/runtime';
import {maxPoolOnHeap, maxPoolValuesOnHeap} from '../simd/wasm_heap';
import {hostKernel} from './entry';
import {allOutputsLive, maxPoolGuards} from './guards';
import {readFloat32, writeTensor} from './io';
import {nchwToNhwc, nhwcToNchw} from './layout';

/** The bits of -Infinity as an int32, and its key. */
const NEG_INF_BITS = 0xff800000 | 0;
const NEG_INF_KEY = -0x7f800000;

/**
 * An int32 key of float32 bits, in the order of the floats: +m for a non-negative float of
 * magnitude bits m (its bits), -m for a negative one, so -0 and +0 tie as in a float compare;
 * a NaN (m > 0x7f800000) gets -m, below every number's key, so it never wins a strict >
 * against the scan's start, -Infinity. Hence key(u) > key(v) exactly when u > v for floats
 * u, v that are not NaN, and a NaN u never satisfies key(u) > NEG_INF_KEY.
 */
function floatKey(bits: number): number {
  const m = bits & 0x7fffffff;
  const s = (bits >> 31) | ((0x7f800000 - m) >> 31); // -1 for a negative float or a NaN, else 0
  return (m ^ s) - s;
}

/** 2x2 windows at stride 2, all inside x (no padding, no dilation), NHWC: each window's four
 *  taps are reduced as a tree, (0 vs 1) and (2 vs 3), then the winners; at each comparison the
 *  later tap wins only if strictly greater, so ties keep the earliest tap as the row-major scan
 *  does, and a result not above -Infinity's key means no tap beat the scan's start. */
function maxPool2x2(
  bits: Int32Array,
  g: ConvGeometry,
  yBits: Int32Array,
  argmax: Int32Array,
): void {
  const {inHeight, inWidth, inChannels: channels, outHeight, outWidth} = g;
  const rowStride = inWidth * channels;
  let o = 0;
  for (let b = 0; b < g.batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const rowBase = (b * inHeight + 2 * yR) * rowStride;
      for (let yC = 0; yC < outWidth; yC++) {
        const corner = rowBase + 2 * yC * channels;
        for (let d = 0; d < channels; d++, o++) {
          const i = corner + d;
          const k0 = floatKey(bits[i]);
          const k1 = floatKey(bits[i + channels]);
          const k2 = floatKey(bits[i + rowStride]);
          const k3 = floatKey(bits[i + rowStride + channels]);
          const top = -+(k1 > k0); // -1 when tap 1 wins the top row
          const kTop = k0 ^ ((k0 ^ k1) & top);
          const bottom = -+(k3 > k2);
          const kBottom = k2 ^ ((k2 ^ k3) & bottom);
          const low = -+(kBottom > kTop); // -1 when the bottom row wins
          const k = kTop ^ ((kTop ^ kBottom) & low);
          const tap = (top & ~low & 1) | (low & (2 | (bottom & 1)));
          if (k > NEG_INF_KEY) {
            yBits[o] = bits[i + (tap >> 1) * rowStride + (tap & 1) * channels];
            argmax[o] = tap;
          } else {
            yBits[o] = NEG_INF_BITS;
            argmax[o] = -1;
          }
        }
      }
    }
  }
}

/** One window of nine taps inside x (3x3, or 1x9, 9x1), all channels: maxPoolTaps's scan of
 *  taps 0..8 unrolled (a loop over nine taps costs more in V8 than the comparisons themselves). */
function nineTaps(
  bits: Int32Array,
  corner: number,
  offsetOf: Int32Array,
  channels: number,
  yBits: Int32Array,
  argmax: Int32Array,
  o: number,
): void {
  const o1 = offsetOf[1],
    o2 = offsetOf[2],
    o3 = offsetOf[3],
    o4 = offsetOf[4];
  const o5 = offsetOf[5],
    o6 = offsetOf[6],
    o7 = offsetOf[7],
    o8 = offsetOf[8];
  for (let d = 0; d < channels; d++) {
    const i = corner + d;
    // Tap 0 against the scan's start, then each later tap against the best so far; w is -1
    // where the tap is strictly greater.
    let best = floatKey(bits[i]);
    let w = -+(best > NEG_INF_KEY);
    best = NEG_INF_KEY ^ ((NEG_INF_KEY ^ best) & w);
    let tap = -1 ^ (-1 & w);
    let k = floatKey(bits[i + o1]);
    w = -+(k > best);
    best ^= (best ^ k) & w;
    tap ^= (tap ^ 1) & w;
    k = floatKey(bits[i + o2]);
    w = -+(k > best);
    best ^= (best ^ k) & w;
    tap ^= (tap ^ 2) & w;
    k = floatKey(bits[i + o3]);
    w = -+(k > best);
    best ^= (best ^ k) & w;
    tap ^= (tap ^ 3) & w;
    k = floatKey(bits[i + o4]);
    w = -+(k > best);
    best ^= (best ^ k) & w;
    tap ^= (tap ^ 4) & w;
    k = floatKey(bits[i + o5]);
    w = -+(k > best);
    best ^= (best ^ k) & w;
    tap ^= (tap ^ 5) & w;
    k = floatKey(bits[i + o6]);
    w = -+(k > best);
    best ^= (best ^ k) & w;
    tap ^= (tap ^ 6) & w;
    k = floatKey(bits[i + o7]);
    w = -+(k > best);
    best ^= (best ^ k) & w;
    tap ^= (tap ^ 7) & w;
    k = floatKey(bits[i + o8]);
    w = -+(k > best);
    best ^= (best ^ k) & w;
    tap ^= (tap ^ 8) & w;
    yBits[o + d] = tap >= 0 ? bits[i + offsetOf[tap]] : NEG_INF_BITS;
    argmax[o + d] = tap;
  }
}

/** Any window, NHWC: for each output cell its in-range taps are listed once (all of them for a
 *  window inside x), then each channel scans them in row-major order keeping its best key and
 *  tap in locals. */
function maxPoolTaps(
  bits: Int32Array,
  g: ConvGeometry,
  yBits: Int32Array,
  argmax: Int32Array,
): void {
  const {inHeight, inWidth, inChannels: channels, outHeight, outWidth} = g;
  const {filterHeight, filterWidth} = g;
  // Tap t = wR * fw + wC is at x offset offsetOf[t] (of channel 0) from the window's corner.
  const offsetOf = new Int32Array(filterHeight * filterWidth);
  const fullTaps = new Int32Array(filterHeight * filterWidth);
  const edgeTaps = new Int32Array(filterHeight * filterWidth);
  for (let wR = 0, t = 0; wR < filterHeight; wR++) {
    for (let wC = 0; wC < filterWidth; wC++, t++) {
      offsetOf[t] = (wR * g.dilationHeight * inWidth + wC * g.dilationWidth) * channels;
      fullTaps[t] = t;
    }
  }
  let o = 0;
  for (let b = 0; b < g.batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const xRCorner = yR * g.strideHeight - g.padInfo.top;
      const rowsInside = xRCorner >= 0 && xRCorner + g.effectiveFilterHeight <= inHeight;
      for (let yC = 0; yC < outWidth; yC++) {
        const xCCorner = yC * g.strideWidth - g.padInfo.left;
        const corner = ((b * inHeight + xRCorner) * inWidth + xCCorner) * channels;
        let tapList = fullTaps;
        let taps = fullTaps.length;
        if (!rowsInside || xCCorner < 0 || xCCorner + g.effectiveFilterWidth > inWidth) {
          tapList = edgeTaps;
          taps = 0;
          for (let wR = 0; wR < filterHeight; wR++) {
            const xR = xRCorner + wR * g.dilationHeight;
            if (xR < 0 || xR >= inHeight) continue;
            for (let wC = 0; wC < filterWidth; wC++) {
              const xC = xCCorner + wC * g.dilationWidth;
              if (xC >= 0 && xC < inWidth) edgeTaps[taps++] = wR * filterWidth + wC;
            }
          }
        }
        if (taps === 9 && tapList === fullTaps) {
          nineTaps(bits, corner, offsetOf, channels, yBits, argmax, o);
          o += channels;
          continue;
        }
        for (let d = 0; d < channels; d++, o++) {
          let best = NEG_INF_KEY;
          let bestTap = -1;
          for (let t = 0; t < taps; t++) {
            const tap = tapList[t];
            const k = floatKey(bits[corner + offsetOf[tap] + d]);
            const wins = -+(k > best); // -1 when this tap is strictly greater
            best = best ^ ((best ^ k) & wins);
            bestTap = bestTap ^ ((bestTap ^ tap) & wins);
          }
          yBits[o] = bestTap >= 0 ? bits[corner + offsetOf[bestTap] + d] : NEG_INF_BITS;
          argmax[o] = bestTap;
        }
      }
    }
  }
}

/** Whether maxPool2x2 computes g: 2x2 windows, stride 2, dilation 1, every window inside x. */
export function isPlain2x2(g: ConvGeometry): boolean {
  return (
    g.filterHeight === 2 &&
    g.filterWidth === 2 &&
    g.strideHeight === 2 &&
    g.strideWidth === 2 &&
    g.dilationHeight === 1 &&
    g.dilationWidth === 1 &&
    g.padInfo.top === 0 &&
    g.padInfo.left === 0 &&
    2 * g.outHeight <= g.inHeight &&
    2 * g.outWidth <= g.inWidth
  );
}

export function maxPoolCpu(
  x: Float32Array,
  g: ConvGeometry,
): {y: Float32Array; argmax: Int32Array} {
  // Before any path is chosen: outputs whose window lies wholly in the padding (guards.ts).
  const guarded = maxPoolGuards(x, g, maxPoolCpu);
  if (guarded != null) return guarded;
  const {inHeight, inWidth, inChannels: channels, outHeight, outWidth} = g;
  const xs = g.dataFormat === 'NHWC' ? x : nchwToNhwc(x, g.batchSize, channels, inHeight, inWidth);
  const bits = new Int32Array(xs.buffer, xs.byteOffset, xs.length);
  const n = sizeOf(g.outShape);
  const y = new Float32Array(n); // NHWC [B, outH, outW, C]
  const argmax = new Int32Array(n);
  const yBits = new Int32Array(y.buffer);
  const simd = simdKernels();
  if (simd != null && maxPoolSimd(simd, xs, g, y, argmax)) {
    // computed by the SIMD module
  } else if (isPlain2x2(g)) {
    maxPool2x2(bits, g, yBits, argmax);
  } else {
    maxPoolTaps(bits, g, yBits, argmax);
  }
  if (g.dataFormat === 'NHWC') return {y, argmax};
  return {
    y: nhwcToNchw(y, g.batchSize, outHeight, outWidth, channels),
    argmax: nhwcToNchw(argmax, g.batchSize, outHeight, outWidth, channels),
  };
}

export const maxPoolCpuKernel = hostKernel(HandmadeMaxPool, ({inputs: {x}, g, io, heap}) => {
  const onHeap = heap && maxPoolOnHeap(heap, x, g);
  if (onHeap != null) return onHeap;
  const {y, argmax} = maxPoolCpu(readFloat32(io, x), g);
  return [writeTensor(io, g.outShape, 'float32', y), writeTensor(io, g.outShape, 'int32', argmax)];
});

/** y of a max pool without its argmax, in g's layout: on the SIMD module where it runs (NHWC,
 *  every window reading x), else maxPoolCpu's y. */
export function maxPoolValuesCpu(x: Float32Array, g: ConvGeometry): Float32Array {
  const simd = simdKernels();
  if (simd != null && g.dataFormat === 'NHWC' && allOutputsLive(g)) {
    const y = maxPoolValuesSimd(simd, x, g);
    if (y != null) return y;
  }
  return maxPoolCpu(x, g).y;
}

export const maxPoolValuesCpuKernel = hostKernel(
  HandmadeMaxPoolValues,
  ({inputs: {x}, g, io, heap}) =>
    (heap && maxPoolValuesOnHeap(heap, x, g)) ??
    writeTensor(io, g.outShape, 'float32', maxPoolValuesCpu(readFloat32(io, x), g)),
);
