// The three convolution kernels on the WebAssembly SIMD module, NHWC, image by image: each image
// is copied into the module's memory, its products run there (im2col, the GEMM, col2im, all in
// f32x4), and its result is copied out. The three products of the math, per group:
//
//   forward         y   = im2col(x) · W            A = im2col chunk,   B = W packed once
//   input gradient  dx  = col2im(dy · Wᵀ)          A = dy in place,    B = Wᵀ packed once
//   filter gradient dW += im2col(x)ᵀ · dy          A = im2col chunk read transposed (its rows
//                                                  are taps), B = the chunk's dy, packed
//
// For a 1x1 filter at stride 1 without padding im2col(x) is x itself and none is built.
// Each function returns false, having done nothing, when the call does not fit the module's
// regions (runtime.ts); the caller then runs the scalar kernel.

import {ConvGeometry} from '../geometry';
import {COL_FLOATS, IMAGE_FLOATS, PACK_FLOATS, SimdKernels, countSimdRun} from './runtime';

/** Columns of the im2col matrix, fh * fw * Cg. */
function colWidth(g: ConvGeometry): number {
  return g.filterHeight * g.filterWidth * g.inChannelsPerGroup;
}

/** Floats of a packed B of k rows and n columns: whole panels of 8 columns. */
function packedSize(k: number, n: number): number {
  return k * Math.ceil(n / 8) * 8;
}

function isIdentity(g: ConvGeometry): boolean {
  const p = g.padInfo;
  return g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 &&
      g.strideWidth === 1 && p.top === 0 && p.left === 0 && g.outHeight === g.inHeight &&
      g.outWidth === g.inWidth;
}

function imageSizes(g: ConvGeometry): [number, number] {
  return [g.inHeight * g.inWidth * g.inChannels, g.outHeight * g.outWidth * g.outChannels];
}

/** Rows of an im2col chunk: as many as fit COL_FLOATS (and maxRows), in whole tiles of 4. */
function chunkRows(k: number, maxRows: number): number {
  const rows = Math.floor(COL_FLOATS / Math.max(1, k));
  return Math.max(4, Math.min(maxRows, rows - (rows % 4)));
}

function setWindows(m: SimdKernels, g: ConvGeometry): void {
  m.exports.setWindows(g.inHeight, g.inWidth, g.inChannels, g.outWidth, g.filterHeight,
                       g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight,
                       g.dilationWidth, g.padInfo.top, g.padInfo.left, g.inChannelsPerGroup);
}

/** Whether the operands of g fit the regions: both images, the filter, and the chunk. */
function fits(g: ConvGeometry): boolean {
  const [inImage, outImage] = imageSizes(g);
  const k = colWidth(g);
  const filterSize = k * g.outChannels;
  return inImage <= IMAGE_FLOATS && outImage <= IMAGE_FLOATS && filterSize <= IMAGE_FLOATS &&
      4 * k <= COL_FLOATS && 4 * g.outChannels <= COL_FLOATS;
}

/** y = conv2d(x, W), x and y NHWC. */
export function conv2dSimd(m: SimdKernels, x: Float32Array, filter: Float32Array,
                           g: ConvGeometry, y: Float32Array): boolean {
  const k = colWidth(g);
  const n = g.outChannelsPerGroup;
  const groupPack = packedSize(k, n);
  if (!fits(g) || g.groups * groupPack > PACK_FLOATS) return false;
  const {exports: wasm, regions: r, f32} = m;
  const [inImage, outImage] = imageSizes(g);
  const outC = g.outChannels;
  // W's group columns, packed from a raw copy in the output region (free until the first image).
  f32.set(filter, r.out >> 2);
  for (let group = 0; group < g.groups; group++) {
    wasm.packB(r.out + 4 * group * n, 4 * outC, 4, k, n, r.pack + 4 * group * groupPack);
  }
  const positions = g.outHeight * g.outWidth;
  const identity = isIdentity(g);
  const chunk = chunkRows(k, positions);
  if (!identity) setWindows(m, g);
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(x.subarray(b * inImage, (b + 1) * inImage), r.in >> 2);
    for (let group = 0; group < g.groups; group++) {
      const pb = r.pack + 4 * group * groupPack;
      if (identity) {
        wasm.gemm(positions, n, k, r.in + 4 * group * k, 4 * g.inChannels, 4, pb,
                  r.out + 4 * group * n, outC, 0);
        continue;
      }
      for (let p0 = 0; p0 < positions; p0 += chunk) {
        const rows = Math.min(chunk, positions - p0);
        wasm.im2col(r.in, group, p0, rows, r.col);
        wasm.gemm(rows, n, k, r.col, 4 * k, 4, pb, r.out + 4 * (p0 * outC + group * n), outC, 0);
      }
    }
    y.set(f32.subarray(r.out >> 2, (r.out >> 2) + outImage), b * outImage);
  }
  countSimdRun();
  return true;
}

/** dx = the input gradient of conv2d for dy, dy and dx NHWC. */
export function conv2dBackpropInputSimd(m: SimdKernels, dy: Float32Array, filter: Float32Array,
                                        g: ConvGeometry, dx: Float32Array): boolean {
  const k = colWidth(g);
  const n = g.outChannelsPerGroup;
  const cg = g.inChannelsPerGroup;
  const groupPack = packedSize(n, k);
  if (!fits(g) || g.groups * groupPack > PACK_FLOATS) return false;
  const {exports: wasm, regions: r, f32} = m;
  const [inImage, outImage] = imageSizes(g);
  const outC = g.outChannels;
  // Wᵀ of each group (n × k): element (d2, tap row j) is W[j, group * n + d2]. The raw filter
  // waits in the input region, free until the first image.
  f32.set(filter, r.in >> 2);
  for (let group = 0; group < g.groups; group++) {
    wasm.packB(r.in + 4 * group * n, 4, 4 * outC, n, k, r.pack + 4 * group * groupPack);
  }
  const positions = g.outHeight * g.outWidth;
  const identity = isIdentity(g);
  const chunk = chunkRows(k, positions);
  if (!identity) setWindows(m, g);
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(dy.subarray(b * outImage, (b + 1) * outImage), r.aux >> 2);
    if (!identity) f32.fill(0, r.out >> 2, (r.out >> 2) + inImage);
    for (let group = 0; group < g.groups; group++) {
      const pb = r.pack + 4 * group * groupPack;
      if (identity) {
        wasm.gemm(positions, cg, n, r.aux + 4 * group * n, 4 * outC, 4, pb,
                  r.out + 4 * group * cg, g.inChannels, 0);
        continue;
      }
      for (let p0 = 0; p0 < positions; p0 += chunk) {
        const rows = Math.min(chunk, positions - p0);
        wasm.gemm(rows, k, n, r.aux + 4 * (p0 * outC + group * n), 4 * outC, 4, pb, r.col, k, 0);
        wasm.col2im(r.col, group, p0, rows, r.out);
      }
    }
    dx.set(f32.subarray(r.out >> 2, (r.out >> 2) + inImage), b * inImage);
  }
  countSimdRun();
  return true;
}

/** dW = the filter gradient of conv2d, x and dy NHWC, dW HWIO. */
export function conv2dBackpropFilterSimd(m: SimdKernels, x: Float32Array, dy: Float32Array,
                                         g: ConvGeometry, dW: Float32Array): boolean {
  const k = colWidth(g);
  const n = g.outChannelsPerGroup;
  const cg = g.inChannelsPerGroup;
  const outC = g.outChannels;
  if (!fits(g) || k * outC > PACK_FLOATS) return false;
  const {exports: wasm, regions: r, f32} = m;
  const [inImage, outImage] = imageSizes(g);
  const positions = g.outHeight * g.outWidth;
  const identity = isIdentity(g);
  // Positions per chunk: the chunk's im2col and its packed dy must fit their regions.
  const chunk = Math.min(chunkRows(k, positions), Math.floor(PACK_FLOATS / packedSize(1, n)));
  f32.fill(0, r.acc >> 2, (r.acc >> 2) + k * outC);
  if (!identity) setWindows(m, g);
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(x.subarray(b * inImage, (b + 1) * inImage), r.in >> 2);
    f32.set(dy.subarray(b * outImage, (b + 1) * outImage), r.aux >> 2);
    for (let p0 = 0; p0 < positions; p0 += chunk) {
      const rows = Math.min(chunk, positions - p0);
      for (let group = 0; group < g.groups; group++) {
        wasm.packB(r.aux + 4 * (p0 * outC + group * n), 4 * outC, 4, rows, n, r.pack);
        if (identity) {
          // A = xᵀ: row d1 (a channel of the group), column p at (p * inC + d1) floats.
          wasm.gemm(cg, n, rows, r.in + 4 * (p0 * g.inChannels + group * cg), 4,
                    4 * g.inChannels, r.pack, r.acc + 4 * group * n, outC, 1);
          continue;
        }
        wasm.im2col(r.in, group, p0, rows, r.col);
        wasm.gemm(k, n, rows, r.col, 4, 4 * k, r.pack, r.acc + 4 * group * n, outC, 1);
      }
    }
  }
  dW.set(f32.subarray(r.acc >> 2, (r.acc >> 2) + k * outC));
  countSimdRun();
  return true;
}
