// Depthwise convolutions on the WebAssembly SIMD module (assembly/depthwise.ts): the grouped
// convolution with one input channel per group (g.inChannelsPerGroup = 1, g.groups = inC), NHWC.
// Its filter [fh, fw, 1, C * M] holds, per tap, one weight per output channel d1 * M + q (the
// q-th output of input channel d1), as tfjs's depthwise filter [fh, fw, C, M] does. Per group
// the im2col product has k = fh * fw and n = M, so the GEMM path runs almost nothing but edge
// tiles; here each output is a sum over the window's taps inside x, vectorised over channels.
//
// The kernels take operands of c4 channels a cell, c4 = C * M in whole blocks of four, channel o
// of x being input channel o / M. Where that is not x itself (a multiplier M > 1, or C * M not a
// multiple of 4) x, dy and the filter are first laid out so (depthwiseSpread), and y, dW and dx
// (dx summed over each channel's M outputs) are reduced back (depthwiseReduce): a copy of each
// image, for shapes that MobileNet-like networks do not have.
//
// Functions here work on byte addresses of whichever memory the module runs on: its own regions
// on the cpu backend (conv.ts's drivers, through depthwiseForwardSimd and the others below) or
// tfjs-wasm's heap (wasm_heap.ts).

import type {ConvGeometry} from '../geometry';
import {
  type Bounds,
  type Epilogue,
  epilogueInModule,
  finishWith,
  type ModuleEpilogue,
  runEpilogue,
} from './conv';
import {countSimdRun, KernelExports, SimdKernels} from './runtime';

/** Whether g is a depthwise convolution, which the kernels here take (in any layout: the host
 *  kernels convert NCHW to NHWC before they offer a call to the module). */
export function isDepthwise(g: ConvGeometry): boolean {
  return g.inChannelsPerGroup === 1 && g.groups > 1;
}

/** How a depthwise call runs: its operands' channels, and whether they are laid out anew. */
export interface DepthwisePlan {
  /** Channels of the kernels' operands: C * M in whole blocks of four. */
  c4: number;
  /** Whether x, dy and the filter are spread into c4 channels (M > 1, or C * M not whole
   *  blocks), and y, dx and dW reduced back. */
  spread: boolean;
}

/** The plan of a depthwise g, or null where g is not depthwise or its operands (images of c4
 *  channels, the filter) pass the bounds. */
export function depthwisePlan(g: ConvGeometry, b: Bounds): DepthwisePlan | null {
  if (!isDepthwise(g)) return null;
  const c4 = Math.ceil(g.outChannels / 4) * 4;
  const taps = g.filterHeight * g.filterWidth;
  if (
    g.inHeight * g.inWidth * c4 > b.image ||
    g.outHeight * g.outWidth * c4 > b.image ||
    taps * c4 > b.pack
  ) {
    return null;
  }
  return {c4, spread: g.outChannelsPerGroup > 1 || g.outChannels % 4 !== 0};
}

/** Bytes of one entry of an axis table (assembly/depthwise.ts depthwiseAxis). */
const ENTRY_BYTES = 12;

/** Bytes of the rows and columns tables of the forward (destination y) or, transposed, of the
 *  input gradient (destination dx). */
export function tableBytes(g: ConvGeometry, transposed: boolean): number {
  const [h, w] = transposed ? [g.inHeight, g.inWidth] : [g.outHeight, g.outWidth];
  return ENTRY_BYTES * (h + w);
}

/** The axis tables, written at `at`: for each destination row, then each destination column,
 *  the filter indices that reach the source (depthwiseAxis). */
export interface Tables {
  rows: number;
  cols: number;
}

export function writeTables(
  wasm: KernelExports,
  g: ConvGeometry,
  transposed: boolean,
  at: number,
): Tables {
  const [h, w, srcH, srcW] = transposed
    ? [g.inHeight, g.inWidth, g.outHeight, g.outWidth]
    : [g.outHeight, g.outWidth, g.inHeight, g.inWidth];
  const t = transposed ? 1 : 0;
  const {filterHeight: fh, filterWidth: fw, padInfo: pad} = g;
  wasm.depthwiseAxis(at, h, srcH, fh, g.strideHeight, g.dilationHeight, pad.top, t);
  const cols = at + ENTRY_BYTES * h;
  wasm.depthwiseAxis(cols, w, srcW, fw, g.strideWidth, g.dilationWidth, pad.left, t);
  return {rows: at, cols};
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The gather's steps along one axis (assembly/depthwise.ts depthwiseGather): from one valid
 *  filter index to the next, and between their source indices. Forward: 1 and the dilation.
 *  Input gradient: the solutions of a * d ≡ i + pad (mod s) are s / gcd(s, d) apart, and their
 *  sources (i + pad - a * d) / s are d / gcd(s, d) apart, downwards. */
function axisSteps(s: number, d: number, transposed: boolean): [number, number] {
  if (!transposed) return [1, d];
  const k = gcd(s, d);
  return [s / k, -d / k];
}

/** dst rows [r0, r1) of the gather: y from x (forward), or dx from dy (transposed), each of c4
 *  channels, the filter of c4 channels at filt; `finish` (the forward's epilogue, c4 channels)
 *  applied to each row of dst as soon as the gather has made it. */
function gather(
  wasm: KernelExports,
  g: ConvGeometry,
  p: DepthwisePlan,
  transposed: boolean,
  src: number,
  filt: number,
  t: Tables,
  dst: number,
  r0: number,
  r1: number,
  finish?: Epilogue,
): void {
  if (finish != null) {
    finishWith(wasm, finish);
  }
  const [rowAStep, rowSrcStep] = axisSteps(g.strideHeight, g.dilationHeight, transposed);
  const [colAStep, colSrcStep] = axisSteps(g.strideWidth, g.dilationWidth, transposed);
  // Forward, neighbouring y columns share their taps, sources a stride apart; transposed, dx
  // columns a stride apart do, sources next to each other.
  const [period, srcPer] = transposed ? [g.strideWidth, 1] : [1, g.strideWidth];
  wasm.depthwiseGather(
    src,
    transposed ? g.outWidth : g.inWidth,
    p.c4,
    filt,
    g.filterWidth,
    dst,
    transposed ? g.inWidth : g.outWidth,
    r0,
    r1,
    t.rows,
    t.cols,
    rowAStep,
    rowSrcStep,
    colAStep,
    colSrcStep,
    period,
    srcPer,
    finish != null ? 1 : 0,
  );
}

/** One image's y (at yAt, outC channels) from x laid out in c4 channels (at xAt), the filter in
 *  c4 channels at filt, the forward's tables at t; where the plan spreads, y is made at y4 (c4
 *  channels) and reduced into yAt, and the epilogue runs on it after; otherwise the gather
 *  applies the epilogue to each row of y as it makes it. */
export function depthwiseForwardImage(
  wasm: KernelExports,
  g: ConvGeometry,
  p: DepthwisePlan,
  xAt: number,
  filt: number,
  t: Tables,
  yAt: number,
  y4: number,
  epilogue?: Epilogue,
): void {
  const cells = g.outHeight * g.outWidth;
  if (p.spread) {
    gather(wasm, g, p, false, xAt, filt, t, y4, 0, g.outHeight);
    wasm.depthwiseReduce(y4, cells, p.c4, 1, yAt, g.outChannels);
    if (epilogue != null) runEpilogue(wasm, epilogue, yAt, cells);
    return;
  }
  gather(wasm, g, p, false, xAt, filt, t, yAt, 0, g.outHeight, epilogue);
}

/** One image's dx (at dxAt, inC channels) from dy in c4 channels (at dyAt), the filter in c4
 *  channels at filt, the transposed tables at t; where the plan spreads, dx is made at dx4 (c4
 *  channels) and each input channel's M outputs summed into dxAt. */
export function depthwiseInputGradImage(
  wasm: KernelExports,
  g: ConvGeometry,
  p: DepthwisePlan,
  dyAt: number,
  filt: number,
  t: Tables,
  dxAt: number,
  dx4: number,
): void {
  const dst = p.spread ? dx4 : dxAt;
  gather(wasm, g, p, true, dyAt, filt, t, dst, 0, g.inHeight);
  if (p.spread) {
    const cells = g.inHeight * g.inWidth;
    wasm.depthwiseReduce(dx4, cells, p.c4, g.outChannelsPerGroup, dxAt, g.inChannels);
  }
}

/** Output rows of the filter gradient that one pass of a filter column's taps takes together:
 *  about 256 KiB of x, whose cache lines then serve the passes of every channel block. */
function filterGradBand(g: ConvGeometry, p: DepthwisePlan): number {
  return Math.max(1, Math.floor((1 << 18) / (4 * g.strideHeight * g.inWidth * p.c4)));
}

/** acc (fh * fw taps of c4 floats) += one image's filter gradient, from x (at xAt) and dy (at
 *  dyAt) both in c4 channels, the forward's tables at t. setEdge must have run. */
export function depthwiseFilterGradImage(
  wasm: KernelExports,
  g: ConvGeometry,
  p: DepthwisePlan,
  xAt: number,
  dyAt: number,
  t: Tables,
  acc: number,
): void {
  wasm.depthwiseFilterGrad(
    xAt,
    g.inWidth,
    p.c4,
    dyAt,
    g.outWidth,
    0,
    g.outHeight,
    t.rows,
    g.filterWidth,
    g.strideHeight,
    g.strideWidth,
    g.dilationHeight,
    g.dilationWidth,
    g.padInfo.left,
    filterGradBand(g, p),
    acc,
  );
}

// The drivers on the module's own memory (the cpu backend, and the wasm backend's copying path):
// each image is copied in, laid out, computed and copied out, in the regions of runtime.ts.

/** The filter in c4 channels in the pack region (spread from a raw copy in the output region,
 *  which the image loop writes only after). */
function filterInPack(m: SimdKernels, g: ConvGeometry, p: DepthwisePlan, filter: Float32Array) {
  const {exports: wasm, regions: r, f32} = m;
  if (!p.spread) {
    f32.set(filter, r.pack >> 2);
    return;
  }
  f32.set(filter, r.out >> 2);
  wasm.depthwiseSpread(r.out, g.filterHeight * g.filterWidth, g.outChannels, 1, r.pack, p.c4);
}

/** y = the depthwise conv2d of x, x and y NHWC, `finish` (the fused epilogue) applied in the
 *  module; false where g is not depthwise or does not fit the regions. */
export function depthwiseForwardSimd(
  m: SimdKernels,
  x: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  y: Float32Array,
  bounds: Bounds,
  finish?: ModuleEpilogue,
): boolean {
  const p = depthwisePlan(g, bounds);
  if (p == null || tableBytes(g, false) > 4 * bounds.padded) return false;
  const {exports: wasm, regions: r, f32} = m;
  const inImage = g.inHeight * g.inWidth * g.inChannels;
  const outImage = g.outHeight * g.outWidth * g.outChannels;
  filterInPack(m, g, p, filter);
  const t = writeTables(wasm, g, false, r.col);
  const epilogue = finish != null ? epilogueInModule(m, g, finish, r.acc) : undefined;
  // x in c4 channels in the input region (spread from a raw copy in the aux region); y made in
  // the output region (in c4 channels first where spread, reduced in place).
  for (let b = 0; b < g.batchSize; b++) {
    const image = x.subarray(b * inImage, (b + 1) * inImage);
    if (p.spread) {
      f32.set(image, r.aux >> 2);
      const cells = g.inHeight * g.inWidth;
      wasm.depthwiseSpread(r.aux, cells, g.inChannels, g.outChannelsPerGroup, r.in, p.c4);
    } else {
      f32.set(image, r.in >> 2);
    }
    depthwiseForwardImage(wasm, g, p, r.in, r.pack, t, r.out, r.out, epilogue);
    y.set(f32.subarray(r.out >> 2, (r.out >> 2) + outImage), b * outImage);
  }
  countSimdRun();
  return true;
}

/** dx = the depthwise input gradient for dy, both NHWC; false where g is not depthwise or does
 *  not fit the regions. */
export function depthwiseInputGradSimd(
  m: SimdKernels,
  dy: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  dx: Float32Array,
  bounds: Bounds,
): boolean {
  const p = depthwisePlan(g, bounds);
  if (p == null || tableBytes(g, true) > 4 * bounds.padded) return false;
  const {exports: wasm, regions: r, f32} = m;
  const inImage = g.inHeight * g.inWidth * g.inChannels;
  const outImage = g.outHeight * g.outWidth * g.outChannels;
  filterInPack(m, g, p, filter);
  const t = writeTables(wasm, g, true, r.col);
  // dy in c4 channels in the input region (spread from the aux region where it is not); dx
  // made in the output region (in c4 channels where spread, reduced in place).
  for (let b = 0; b < g.batchSize; b++) {
    const image = dy.subarray(b * outImage, (b + 1) * outImage);
    if (p.spread) {
      f32.set(image, r.aux >> 2);
      wasm.depthwiseSpread(r.aux, g.outHeight * g.outWidth, g.outChannels, 1, r.in, p.c4);
    } else {
      f32.set(image, r.in >> 2);
    }
    depthwiseInputGradImage(wasm, g, p, r.in, r.pack, t, r.out, r.out);
    dx.set(f32.subarray(r.out >> 2, (r.out >> 2) + inImage), b * inImage);
  }
  countSimdRun();
  return true;
}

/** dW = the depthwise filter gradient, x and dy NHWC, dW [fh, fw, 1, C * M]; false where g is
 *  not depthwise or does not fit the regions. Exact for any dy: no tap reads a padding. */
export function depthwiseFilterGradSimd(
  m: SimdKernels,
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  dW: Float32Array,
  bounds: Bounds,
): boolean {
  const p = depthwisePlan(g, bounds);
  if (p == null || tableBytes(g, false) > 4 * bounds.padded) return false;
  const {exports: wasm, regions: r, f32} = m;
  const inImage = g.inHeight * g.inWidth * g.inChannels;
  const outImage = g.outHeight * g.outWidth * g.outChannels;
  const taps = g.filterHeight * g.filterWidth;
  const t = writeTables(wasm, g, false, r.col);
  f32.fill(0, r.acc >> 2, (r.acc >> 2) + taps * p.c4);
  for (let b = 0; b < g.batchSize; b++) {
    const xImage = x.subarray(b * inImage, (b + 1) * inImage);
    const dyImage = dy.subarray(b * outImage, (b + 1) * outImage);
    // x into the input region and dy into the aux one, each spread from a raw copy in the
    // output region where the plan spreads.
    if (p.spread) {
      f32.set(xImage, r.out >> 2);
      const cells = g.inHeight * g.inWidth;
      wasm.depthwiseSpread(r.out, cells, g.inChannels, g.outChannelsPerGroup, r.in, p.c4);
      f32.set(dyImage, r.out >> 2);
      wasm.depthwiseSpread(r.out, g.outHeight * g.outWidth, g.outChannels, 1, r.aux, p.c4);
    } else {
      f32.set(xImage, r.in >> 2);
      f32.set(dyImage, r.aux >> 2);
    }
    depthwiseFilterGradImage(wasm, g, p, r.in, r.aux, t, r.acc);
  }
  wasm.depthwiseReduce(r.acc, taps, p.c4, 1, r.acc, g.outChannels);
  dW.set(f32.subarray(r.acc >> 2, (r.acc >> 2) + taps * g.outChannels));
  countSimdRun();
  return true;
}
