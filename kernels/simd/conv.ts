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
import {COL_FLOATS, IMAGE_FLOATS, KernelExports, PACK_FLOATS, SimdKernels, countSimdRun} from './runtime';

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

export function imageSizes(g: ConvGeometry): [number, number] {
  return [g.inHeight * g.inWidth * g.inChannels, g.outHeight * g.outWidth * g.outChannels];
}

/** Rows of an im2col chunk: as many as fit COL_FLOATS (and maxRows), in whole tiles of 4. */
function chunkRows(k: number, maxRows: number): number {
  const rows = Math.floor(COL_FLOATS / Math.max(1, k));
  return Math.max(4, Math.min(maxRows, rows - (rows % 4)));
}

export function setWindows(wasm: KernelExports, g: ConvGeometry): void {
  wasm.setWindows(g.inHeight, g.inWidth, g.inChannels, g.outWidth, g.filterHeight,
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

/** The forward's plan: the GEMM's sizes, the packed filter's floats per group, the im2col chunk. */
export interface ForwardPlan {
  k: number;
  n: number;
  groupPack: number;
  positions: number;
  identity: boolean;
  chunk: number;
  /** Where the forward runs by rows of a padded image (assembly/rows.ts), its sizes: the padded
   *  image's height and width in cells, and the bytes of one filter row's packed block. */
  rows: {ph: number; pw: number; blockBytes: number} | null;
}

/** Input channels below which the forward runs by rows (assembly/rows.ts) rather than on im2col:
 *  im2col copies each window row as a run of fw * C floats, and below this its copies cost more
 *  than the products (measured: c1, one channel, 5x5, im2col 0.65 ms of a 0.9 ms forward). */
export const ROWS_MAX_CHANNELS = 16;

/** The padded-rows plan of g, or null where it does not apply: one group, undilated columns,
 *  few channels, a padded image that fits the chunk region. */
function rowsPlan(g: ConvGeometry, identity: boolean): ForwardPlan['rows'] {
  if (identity || g.groups !== 1 || g.dilationWidth !== 1 || g.inChannels >= ROWS_MAX_CHANNELS) {
    return null;
  }
  const ph = (g.outHeight - 1) * g.strideHeight + (g.filterHeight - 1) * g.dilationHeight + 1;
  const pw = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
  if (ph * pw * g.inChannels > COL_FLOATS) return null;
  return {ph, pw, blockBytes: 4 * packedSize(g.filterWidth * g.inChannels, g.outChannels)};
}

/** The plan of the forward of g, or null when its packed filter passes PACK_FLOATS. */
export function forwardPlan(g: ConvGeometry): ForwardPlan | null {
  const k = colWidth(g);
  const n = g.outChannelsPerGroup;
  const groupPack = packedSize(k, n);
  if (!fits(g) || g.groups * groupPack > PACK_FLOATS) return null;
  const positions = g.outHeight * g.outWidth;
  const identity = isIdentity(g);
  return {k, n, groupPack, positions, identity, chunk: chunkRows(k, positions),
          rows: rowsPlan(g, identity)};
}

/** Floats of the chunk region a forward of plan p uses: the padded image, or an im2col chunk. */
export function forwardColFloats(g: ConvGeometry, p: ForwardPlan): number {
  if (p.rows != null) return p.rows.ph * p.rows.pw * g.inChannels;
  return p.identity ? 0 : p.chunk * p.k;
}

/** Packs each group's columns of W (HWIO, at filterAt) into pack. */
export function packForwardFilter(wasm: KernelExports, g: ConvGeometry, p: ForwardPlan,
                                  filterAt: number, pack: number): void {
  if (p.rows != null) {
    // One block per filter row wR: W's rows (wR, wC, c) for every wC and c, fw * C of them.
    const k = g.filterWidth * g.inChannels;
    for (let wR = 0; wR < g.filterHeight; wR++) {
      wasm.packB(filterAt + 4 * wR * k * g.outChannels, 4 * g.outChannels, 4, k, g.outChannels,
                 pack + wR * p.rows.blockBytes);
    }
    return;
  }
  for (let group = 0; group < g.groups; group++) {
    wasm.packB(filterAt + 4 * group * p.n, 4 * g.outChannels, 4, p.k, p.n,
               pack + 4 * group * p.groupPack);
  }
}

/** One image's y (at yAt) from its x (at xAt), NHWC, W packed at pack; col is the im2col chunk
 *  or the padded image (unused for a 1x1 filter at stride 1, whose im2col is x itself).
 *  setWindows must have run. */
export function forwardImage(wasm: KernelExports, g: ConvGeometry, p: ForwardPlan, xAt: number,
                             pack: number, col: number, yAt: number): void {
  const outC = g.outChannels;
  if (p.rows != null) {
    const {ph, pw, blockBytes} = p.rows;
    wasm.padImage(xAt, g.inHeight, g.inWidth, g.inChannels, col, ph, pw, g.padInfo.top,
                  g.padInfo.left);
    wasm.convRows(col, pw, g.inChannels, g.outHeight, g.outWidth, g.filterHeight,
                  g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight, pack,
                  blockBytes, outC, yAt);
    return;
  }
  for (let group = 0; group < g.groups; group++) {
    const pb = pack + 4 * group * p.groupPack;
    if (p.identity) {
      wasm.gemm(p.positions, p.n, p.k, xAt + 4 * group * p.k, 4 * g.inChannels, 4, pb,
                yAt + 4 * group * p.n, outC, 0);
      continue;
    }
    for (let p0 = 0; p0 < p.positions; p0 += p.chunk) {
      const rows = Math.min(p.chunk, p.positions - p0);
      wasm.im2col(xAt, group, p0, rows, col);
      wasm.gemm(rows, p.n, p.k, col, 4 * p.k, 4, pb, yAt + 4 * (p0 * outC + group * p.n), outC, 0);
    }
  }
}

/** y = conv2d(x, W), x and y NHWC. */
export function conv2dSimd(m: SimdKernels, x: Float32Array, filter: Float32Array,
                           g: ConvGeometry, y: Float32Array): boolean {
  const plan = forwardPlan(g);
  if (plan == null) return false;
  const {exports: wasm, regions: r, f32} = m;
  const [inImage, outImage] = imageSizes(g);
  // W's group columns, packed from a raw copy in the output region (free until the first image).
  f32.set(filter, r.out >> 2);
  packForwardFilter(wasm, g, plan, r.out, r.pack);
  if (!plan.identity) setWindows(wasm, g);
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(x.subarray(b * inImage, (b + 1) * inImage), r.in >> 2);
    forwardImage(wasm, g, plan, r.in, r.pack, r.col, r.out);
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
  if (!identity) setWindows(wasm, g);
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
  const rows = rowsPlan(g, identity);
  if (rows != null && packedSize(g.outWidth, n) <= PACK_FLOATS) {
    // By rows of the padded image (assembly/rows.ts), as the forward: no im2col.
    for (let b = 0; b < g.batchSize; b++) {
      f32.set(x.subarray(b * inImage, (b + 1) * inImage), r.in >> 2);
      f32.set(dy.subarray(b * outImage, (b + 1) * outImage), r.aux >> 2);
      wasm.padImage(r.in, g.inHeight, g.inWidth, g.inChannels, r.col, rows.ph, rows.pw,
                    g.padInfo.top, g.padInfo.left);
      wasm.filterGradRows(r.col, rows.pw, g.inChannels, g.outHeight, g.outWidth, g.filterHeight,
                          g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight, r.aux,
                          n, r.pack, r.acc);
    }
    dW.set(f32.subarray(r.acc >> 2, (r.acc >> 2) + k * outC));
    countSimdRun();
    return true;
  }
  if (!identity) setWindows(wasm, g);
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
