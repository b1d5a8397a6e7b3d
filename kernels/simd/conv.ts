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
// A depthwise convolution (one input channel per group) runs on kernels of its own instead
// (depthwise.ts), which sum each output's taps inside x, vectorised over channels.
// Each function returns false, having done nothing, when the call does not fit the module's
// regions (runtime.ts); the caller then runs the scalar kernel.

import {im2colIsIdentity} from '../cpu/im2col';
import {ConvGeometry, readsPadding} from '../geometry';
import {
  depthwiseFilterGradSimd,
  depthwiseForwardSimd,
  depthwiseInputGradSimd,
  isDepthwise,
} from './depthwise';
import {
  COL_FLOATS,
  countSimdRun,
  IMAGE_FLOATS,
  KernelExports,
  PACK_FLOATS,
  SimdKernels,
} from './runtime';

/** Columns of the im2col matrix, fh * fw * Cg. */
function colWidth(g: ConvGeometry): number {
  return g.filterHeight * g.filterWidth * g.inChannelsPerGroup;
}

/** Floats of a packed B of k rows and n columns: whole panels of 8 columns. */
function packedSize(k: number, n: number): number {
  return k * Math.ceil(n / 8) * 8;
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
  wasm.setWindows(
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.outWidth,
    g.filterHeight,
    g.filterWidth,
    g.strideHeight,
    g.strideWidth,
    g.dilationHeight,
    g.dilationWidth,
    g.padInfo.top,
    g.padInfo.left,
    g.inChannelsPerGroup,
  );
}

/** The sizes, in floats, that a plan keeps within: the module's own regions (runtime.ts), where
 *  images, the raw filter, padded images and packed operands each have a fixed region, or no
 *  bound on tfjs-wasm's heap, where the operands lie in place and each call's scratch is
 *  malloc'ed for it (wasm_heap.ts). The im2col chunk keeps its size (COL_FLOATS) on both: it is
 *  sized for the cache. */
export interface Bounds {
  /** An image of x, y, dx or dy, and the raw filter. */
  image: number;
  /** A padded image or a blocked dy. */
  padded: number;
  /** A packed operand, and the filter gradient's accumulator. */
  pack: number;
}

export const OWN_MEMORY: Bounds = {image: IMAGE_FLOATS, padded: COL_FLOATS, pack: PACK_FLOATS};
export const ON_HEAP: Bounds = {image: Infinity, padded: Infinity, pack: Infinity};

/** Whether the operands of g fit the bounds: both images, the filter, and the chunk. */
function fits(g: ConvGeometry, b: Bounds): boolean {
  const [inImage, outImage] = imageSizes(g);
  const k = colWidth(g);
  const filterSize = k * g.outChannels;
  return (
    inImage <= b.image &&
    outImage <= b.image &&
    filterSize <= b.image &&
    4 * k <= COL_FLOATS &&
    4 * g.outChannels <= COL_FLOATS
  );
}

/** The forward's plan: the GEMM's sizes, the packed filter's floats per group, the im2col chunk. */
export interface ForwardPlan {
  k: number;
  n: number;
  groupPack: number;
  positions: number;
  identity: boolean;
  chunk: number;
  /** Where the forward reads the padded image by a table of tap offsets (assembly/taps.ts), the
   *  padded image's height and width in cells; the table follows the packed filter. inPlace:
   *  no window reads the padding (a strided 1x1, a 'valid' convolution), so the taps read x
   *  itself, pw its width, and nothing is copied. */
  taps: {ph: number; pw: number; inPlace: boolean} | null;
  /** Floats of the pack region: every group's packed filter, and the table of taps. */
  packFloats: number;
}

/** Input channels below which the filter gradient runs by rows (assembly/rows.ts) rather than
 *  on im2col: im2col copies each window row as a run of fw * C floats, and below this its copies
 *  cost more than the products (measured: c1, one channel, 5x5, im2col 0.65 ms of a 0.9 ms
 *  forward). */
export const ROWS_MAX_CHANNELS = 16;

/** Input channels below which the forward reads a padded image in place (assembly/taps.ts)
 *  rather than on im2col chunks. */
export const TAPS_MAX_CHANNELS = 100000;

/** The forward's plan by taps, or null where it does not apply: one group, not im2col's
 *  identity, a padded image that fits the chunk region (or none needed). */
function tapsPlan(g: ConvGeometry, identity: boolean, b: Bounds): ForwardPlan['taps'] {
  if (identity || g.groups !== 1 || g.inChannels >= TAPS_MAX_CHANNELS) return null;
  const ph = (g.outHeight - 1) * g.strideHeight + (g.filterHeight - 1) * g.dilationHeight + 1;
  const pw = (g.outWidth - 1) * g.strideWidth + (g.filterWidth - 1) * g.dilationWidth + 1;
  const {top, left} = g.padInfo;
  if (top === 0 && left === 0 && ph <= g.inHeight && pw <= g.inWidth) {
    return {ph, pw: g.inWidth, inPlace: true};
  }
  if (ph * pw * g.inChannels > b.padded) return null;
  return {ph, pw, inPlace: false};
}

/** The filter gradient's padded-rows plan of g, or null where it does not apply: one group,
 *  undilated columns, few channels, a padded image that fits the chunk region. */
function rowsPlan(g: ConvGeometry, identity: boolean, b: Bounds): {ph: number; pw: number} | null {
  if (identity || g.groups !== 1 || g.dilationWidth !== 1 || g.inChannels >= ROWS_MAX_CHANNELS) {
    return null;
  }
  const ph = (g.outHeight - 1) * g.strideHeight + (g.filterHeight - 1) * g.dilationHeight + 1;
  const pw = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
  if (ph * pw * g.inChannels > b.padded) return null;
  return {ph, pw};
}

/** The plan of the forward of g, or null when its operands pass the bounds. */
export function forwardPlan(g: ConvGeometry, b: Bounds = OWN_MEMORY): ForwardPlan | null {
  const k = colWidth(g);
  const n = g.outChannelsPerGroup;
  const groupPack = packedSize(k, n);
  const identity = im2colIsIdentity(g);
  const taps = tapsPlan(g, identity, b);
  const packFloats = g.groups * groupPack + (taps != null ? k : 0);
  if (!fits(g, b) || packFloats > b.pack) return null;
  const positions = g.outHeight * g.outWidth;
  return {k, n, groupPack, positions, identity, chunk: chunkRows(k, positions), taps, packFloats};
}

/** Floats of the chunk region a forward of plan p uses: the padded image, or an im2col chunk. */
export function forwardColFloats(g: ConvGeometry, p: ForwardPlan): number {
  if (p.taps != null) return p.taps.inPlace ? 0 : p.taps.ph * p.taps.pw * g.inChannels;
  return p.identity ? 0 : p.chunk * p.k;
}

/** Packs each group's columns of W (HWIO, at filterAt) into pack (groups * p.groupPack). */
export function packForwardFilter(
  wasm: KernelExports,
  g: ConvGeometry,
  p: ForwardPlan,
  filterAt: number,
  pack: number,
): void {
  for (let group = 0; group < g.groups; group++) {
    wasm.packB(
      filterAt + 4 * group * p.n,
      4 * g.outChannels,
      4,
      p.k,
      p.n,
      pack + 4 * group * p.groupPack,
    );
  }
}

/** Where the forward runs by taps, writes its table of tap offsets (p.k ints) at `table`. */
export function writeTapTable(
  wasm: KernelExports,
  g: ConvGeometry,
  p: ForwardPlan,
  table: number,
): void {
  if (p.taps == null) return;
  wasm.setTaps(
    table,
    g.filterHeight,
    g.filterWidth,
    g.inChannels,
    p.taps.pw,
    g.dilationHeight,
    g.dilationWidth,
  );
}

/** x's image at xAt copied into the zeroed padded image at col, ph × pw cells (assembly/rows.ts
 *  padImage). */
function padX(
  wasm: KernelExports,
  g: ConvGeometry,
  xAt: number,
  col: number,
  ph: number,
  pw: number,
): void {
  const {top, left} = g.padInfo;
  wasm.padImage(xAt, g.inHeight, g.inWidth, g.inChannels, col, ph, pw, top, left);
}

/** One image's y (at yAt) from its x (at xAt), NHWC, W packed at pack (and the taps' table at
 *  table, where the forward runs by taps); col is the im2col chunk
 *  or the padded image (unused for a 1x1 filter at stride 1, whose im2col is x itself).
 *  setWindows must have run. */
export function forwardImage(
  wasm: KernelExports,
  g: ConvGeometry,
  p: ForwardPlan,
  xAt: number,
  pack: number,
  table: number,
  col: number,
  yAt: number,
  epilogue?: Epilogue,
): void {
  const outC = g.outChannels;
  // The epilogue is applied as the products store y (each group's from its first channel on).
  const finish = epilogue != null ? 1 : 0;
  if (epilogue != null) finishWith(wasm, epilogue);
  if (p.taps != null) {
    const {ph, pw, inPlace} = p.taps;
    if (!inPlace) {
      padX(wasm, g, xAt, col, ph, pw);
    }
    // Undilated columns: each filter row's taps are one run, read without the table.
    const run = g.dilationWidth === 1 ? g.filterWidth * g.inChannels : 0;
    wasm.convTaps(
      inPlace ? xAt : col,
      pw,
      g.inChannels,
      g.outHeight,
      g.outWidth,
      g.strideHeight,
      g.strideWidth,
      table,
      p.k,
      pack,
      outC,
      yAt,
      g.filterHeight,
      run,
      4 * g.dilationHeight * pw * g.inChannels,
      finish,
    );
    return;
  }
  if (g.groups === 1) {
    // A 1x1 filter's product is one call; others, one per chunk of im2col.
    const band = p.identity ? p.positions : p.chunk;
    for (let p0 = 0; p0 < p.positions; p0 += band) {
      const rows = Math.min(band, p.positions - p0);
      const a = p.identity ? xAt + 4 * p0 * p.k : col;
      if (!p.identity) wasm.im2col(xAt, 0, p0, rows, col);
      wasm.gemm(rows, p.n, p.k, a, 4 * p.k, 4, pack, yAt + 4 * p0 * outC, outC, 0, finish);
    }
    return;
  }
  for (let group = 0; group < g.groups; group++) {
    const pb = pack + 4 * group * p.groupPack;
    if (epilogue != null) finishWith(wasm, epilogue, group * p.n);
    if (p.identity) {
      wasm.gemm(
        p.positions,
        p.n,
        p.k,
        xAt + 4 * group * p.k,
        4 * g.inChannels,
        4,
        pb,
        yAt + 4 * group * p.n,
        outC,
        0,
        finish,
      );
      continue;
    }
    for (let p0 = 0; p0 < p.positions; p0 += p.chunk) {
      const rows = Math.min(p.chunk, p.positions - p0);
      wasm.im2col(xAt, group, p0, rows, col);
      wasm.gemm(
        rows,
        p.n,
        p.k,
        col,
        4 * p.k,
        4,
        pb,
        yAt + 4 * (p0 * outC + group * p.n),
        outC,
        0,
        finish,
      );
    }
  }
}

/** The fused epilogue (assembly/epilogue.ts) as the module applies it to y: y's channels, and
 *  the per-channel bias and PReLU weights at their byte addresses in the module's memory
 *  (hasBias 0: no bias; prelu read only for the PReLU activation's code). */
export interface Epilogue {
  channels: number;
  hasBias: number;
  bias: number;
  kind: number;
  alpha: number;
  prelu: number;
}

/** Sets the epilogue that the module's kernels apply as they store, where their finish is 1,
 *  from output channel `first` on. */
export function finishWith(wasm: KernelExports, e: Epilogue, first = 0): void {
  wasm.finishWith(e.hasBias, e.bias + 4 * first, e.kind, e.alpha, e.prelu + 4 * first);
}

/** The epilogue on `cells` output positions of y at yAt. */
export function runEpilogue(wasm: KernelExports, e: Epilogue, yAt: number, cells: number): void {
  wasm.biasActivation(yAt, cells, e.channels, e.hasBias, e.bias, e.kind, e.alpha, e.prelu);
}

/** The fused convolution's epilogue for the module (assembly/epilogue.ts): per-channel bias and
 *  PReLU weights (outC floats, or null), the activation's code, and leakyrelu's alpha. */
export interface ModuleEpilogue {
  bias: Float32Array | null;
  prelu: Float32Array | null;
  kind: number;
  alpha: number;
}

/** The epilogue of `finish`, its operands copied into the module's memory at `at` (outC floats
 *  of bias, then outC of PReLU weights). */
export function epilogueInModule(
  m: SimdKernels,
  g: ConvGeometry,
  finish: ModuleEpilogue,
  at: number,
): Epilogue {
  const c = g.outChannels;
  if (finish.bias != null) m.f32.set(finish.bias, at >> 2);
  if (finish.prelu != null) m.f32.set(finish.prelu, (at >> 2) + c);
  return {
    channels: c,
    hasBias: finish.bias != null ? 1 : 0,
    bias: at,
    kind: finish.kind,
    alpha: finish.alpha,
    prelu: at + 4 * c,
  };
}

/** y = conv2d(x, W), x and y NHWC. */
export function conv2dSimd(
  m: SimdKernels,
  x: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  y: Float32Array,
  finish?: ModuleEpilogue,
): boolean {
  if (isDepthwise(g)) return depthwiseForwardSimd(m, x, filter, g, y, OWN_MEMORY, finish);
  const plan = forwardPlan(g);
  if (plan == null) return false;
  const {exports: wasm, regions: r, f32} = m;
  const [inImage, outImage] = imageSizes(g);
  // W's group columns, packed from a raw copy in the output region (free until the first image).
  f32.set(filter, r.out >> 2);
  packForwardFilter(wasm, g, plan, r.out, r.pack);
  const table = r.pack + 4 * g.groups * plan.groupPack;
  writeTapTable(wasm, g, plan, table);
  if (!plan.identity) setWindows(wasm, g);
  // The epilogue's operands in the accumulator region, which the forward does not use.
  const epilogue = finish != null ? epilogueInModule(m, g, finish, r.acc) : undefined;
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(x.subarray(b * inImage, (b + 1) * inImage), r.in >> 2);
    forwardImage(wasm, g, plan, r.in, r.pack, table, r.col, r.out, epilogue);
    y.set(f32.subarray(r.out >> 2, (r.out >> 2) + outImage), b * outImage);
  }
  countSimdRun();
  return true;
}

/** Input channels up to which the two gradients run as sums over the filter's taps
 *  (assembly/few.ts) rather than on the GEMM, whose operands are thin there (see that file). */
export const FEW_MAX_CHANNELS = 4;

/** Blocks of four output channels. */
function channelBlocks(g: ConvGeometry): number {
  return Math.ceil(g.outChannels / 4);
}

/** The input gradient's plan by taps (assembly/few.ts inputGradFew), or null where it does not
 *  apply: one group of at most FEW_MAX_CHANNELS input channels, stride 1, pads within the
 *  dilated filter (so that every dx cell's window lies in dy padded by (f - 1) * d - pad), and
 *  operands within the regions. The blocked dy is hq × nb × wq v128 with dy's cell (0, 0) at
 *  (top, left); wq covers whole runs of eight dx cells. */
export function inputGradFewPlan(
  g: ConvGeometry,
  b: Bounds = OWN_MEMORY,
): {hq: number; wq: number; top: number; left: number} | null {
  const spanH = (g.filterHeight - 1) * g.dilationHeight;
  const spanW = (g.filterWidth - 1) * g.dilationWidth;
  const {top, left} = g.padInfo;
  if (
    g.groups !== 1 ||
    g.inChannels > FEW_MAX_CHANNELS ||
    g.strideHeight !== 1 ||
    g.strideWidth !== 1 ||
    top < 0 ||
    top > spanH ||
    left < 0 ||
    left > spanW ||
    !fits(g, b)
  ) {
    return null;
  }
  const hq = g.inHeight + spanH;
  const wq = Math.ceil(g.inWidth / 8) * 8 + spanW;
  if (hq * wq * 4 * channelBlocks(g) > b.padded) return null;
  return {hq, wq, top: spanH - top, left: spanW - left};
}

/** The filter gradient's plan by taps (assembly/few.ts filterGradFew), or null where it does not
 *  apply: one group of at most FEW_MAX_CHANNELS input channels, a padded image (ph × pw cells)
 *  that fits the chunk region and a blocked dy that fits the pack region. */
export function filterGradFewPlan(
  g: ConvGeometry,
  b: Bounds = OWN_MEMORY,
): {ph: number; pw: number} | null {
  if (g.groups !== 1 || g.inChannels > FEW_MAX_CHANNELS || !fits(g, b)) return null;
  const ph = (g.outHeight - 1) * g.strideHeight + (g.filterHeight - 1) * g.dilationHeight + 1;
  const pw = (g.outWidth - 1) * g.strideWidth + (g.filterWidth - 1) * g.dilationWidth + 1;
  if (
    ph * pw * g.inChannels > b.padded ||
    g.outHeight * g.outWidth * 4 * channelBlocks(g) > b.pack
  ) {
    return null;
  }
  return {ph, pw};
}

/** How the input gradient runs: by taps, or as col2im(dy · Wᵀ) per group on the GEMM. */
export type InputGradPlan =
  | {kind: 'taps'; hq: number; wq: number; top: number; left: number; nb: number}
  | {
      kind: 'gemm';
      k: number;
      n: number;
      groupPack: number;
      positions: number;
      identity: boolean;
      chunk: number;
    };

/** The input gradient's plan, or null when its operands pass the regions' bounds. */
export function inputGradPlan(g: ConvGeometry, b: Bounds = OWN_MEMORY): InputGradPlan | null {
  const few = inputGradFewPlan(g, b);
  if (few != null) return {kind: 'taps', ...few, nb: channelBlocks(g)};
  const k = colWidth(g);
  const n = g.outChannelsPerGroup;
  const groupPack = packedSize(n, k);
  if (!fits(g, b) || g.groups * groupPack > b.pack) return null;
  const positions = g.outHeight * g.outWidth;
  return {
    kind: 'gemm',
    k,
    n,
    groupPack,
    positions,
    identity: im2colIsIdentity(g),
    chunk: chunkRows(k, positions),
  };
}

/** Floats of scratch a plan uses: the packed filter, and the chunk (blocked dy, or dy · Wᵀ). */
export function inputGradScratch(g: ConvGeometry, p: InputGradPlan): {pack: number; col: number} {
  if (p.kind === 'taps') {
    return {pack: colWidth(g) * p.nb * 4, col: p.hq * p.nb * p.wq * 4};
  }
  return {pack: g.groups * p.groupPack, col: p.identity ? 0 : p.chunk * p.k};
}

/** Lays out the filter (HWIO, at filterAt) at pack: in channel blocks (one row of fh * fw * C
 *  cells), or as each group's Wᵀ packed for the GEMM. */
export function packInputGradFilter(
  wasm: KernelExports,
  g: ConvGeometry,
  p: InputGradPlan,
  filterAt: number,
  pack: number,
): void {
  if (p.kind === 'taps') {
    const cells = colWidth(g);
    wasm.blockChannels(filterAt, 1, cells, g.outChannels, pack, 1, cells, 0, 0);
    return;
  }
  // Wᵀ of each group (n × k): element (d2, tap row j) is W[j, group * n + d2].
  for (let group = 0; group < g.groups; group++) {
    wasm.packB(
      filterAt + 4 * group * p.n,
      4,
      4 * g.outChannels,
      p.n,
      p.k,
      pack + 4 * group * p.groupPack,
    );
  }
}

/** One image's dx (at dxAt) from its dy (at dyAt), NHWC, the filter laid out at pack; f32 views
 *  the memory (the GEMM path zeroes dx before col2im adds into it). setWindows must have run for
 *  the GEMM path's im2col geometry. */
export function inputGradImage(
  wasm: KernelExports,
  g: ConvGeometry,
  p: InputGradPlan,
  dyAt: number,
  pack: number,
  col: number,
  dxAt: number,
  f32: Float32Array,
): void {
  if (p.kind === 'taps') {
    wasm.blockChannels(
      dyAt,
      g.outHeight,
      g.outWidth,
      g.outChannels,
      col,
      p.hq,
      p.wq,
      p.top,
      p.left,
    );
    wasm.inputGradFew(
      col,
      p.nb,
      p.wq,
      g.inHeight,
      g.inWidth,
      g.inChannels,
      g.filterHeight,
      g.filterWidth,
      g.dilationHeight,
      g.dilationWidth,
      pack,
      dxAt,
    );
    return;
  }
  const outC = g.outChannels;
  const cg = g.inChannelsPerGroup;
  if (!p.identity) f32.fill(0, dxAt >> 2, (dxAt >> 2) + imageSizes(g)[0]);
  for (let group = 0; group < g.groups; group++) {
    const pb = pack + 4 * group * p.groupPack;
    if (p.identity) {
      wasm.gemm(
        p.positions,
        cg,
        p.n,
        dyAt + 4 * group * p.n,
        4 * outC,
        4,
        pb,
        dxAt + 4 * group * cg,
        g.inChannels,
        0,
        0,
      );
      continue;
    }
    for (let p0 = 0; p0 < p.positions; p0 += p.chunk) {
      const rows = Math.min(p.chunk, p.positions - p0);
      const dyChunk = dyAt + 4 * (p0 * outC + group * p.n);
      wasm.gemm(rows, p.k, p.n, dyChunk, 4 * outC, 4, pb, col, p.k, 0, 0);
      wasm.col2im(col, group, p0, rows, dxAt);
    }
  }
}

/** dx = the input gradient of conv2d for dy, dy and dx NHWC. */
export function conv2dBackpropInputSimd(
  m: SimdKernels,
  dy: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  dx: Float32Array,
): boolean {
  if (isDepthwise(g)) return depthwiseInputGradSimd(m, dy, filter, g, dx, OWN_MEMORY);
  const plan = inputGradPlan(g);
  if (plan == null) return false;
  const {exports: wasm, regions: r, f32} = m;
  const [inImage, outImage] = imageSizes(g);
  // The raw filter waits in the input region, free until the first image.
  f32.set(filter, r.in >> 2);
  packInputGradFilter(wasm, g, plan, r.in, r.pack);
  if (plan.kind === 'gemm' && !plan.identity) setWindows(wasm, g);
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(dy.subarray(b * outImage, (b + 1) * outImage), r.aux >> 2);
    inputGradImage(wasm, g, plan, r.aux, r.pack, r.col, r.out, f32);
    dx.set(f32.subarray(r.out >> 2, (r.out >> 2) + inImage), b * inImage);
  }
  countSimdRun();
  return true;
}

/** How the filter gradient runs: by taps (dy read as it lies where its channels are whole blocks
 *  of four, else laid out in blocks), by rows of the padded image (assembly/rows.ts), or on
 *  im2col chunks. */
export type FilterGradPlan =
  | {kind: 'taps'; ph: number; pw: number; nb: number; dyInPlace: boolean}
  | {kind: 'rows'; ph: number; pw: number}
  | {kind: 'gemm'; k: number; n: number; positions: number; identity: boolean; chunk: number};

/** The filter gradient's plan, or null when its operands pass the regions' bounds. */
export function filterGradPlan(g: ConvGeometry, b: Bounds = OWN_MEMORY): FilterGradPlan | null {
  const few = filterGradFewPlan(g, b);
  if (few != null) {
    return {kind: 'taps', ...few, nb: channelBlocks(g), dyInPlace: g.outChannels % 4 === 0};
  }
  const k = colWidth(g);
  const n = g.outChannelsPerGroup;
  if (!fits(g, b) || k * g.outChannels > b.pack) return null;
  const positions = g.outHeight * g.outWidth;
  const identity = im2colIsIdentity(g);
  const rows = rowsPlan(g, identity, b);
  if (rows != null && packedSize(g.outWidth, n) <= b.pack) {
    return {kind: 'rows', ph: rows.ph, pw: rows.pw};
  }
  // Positions per chunk: the chunk's im2col and its packed dy must fit their regions.
  const chunk = Math.min(chunkRows(k, positions), Math.floor(b.pack / packedSize(1, n)));
  return {kind: 'gemm', k, n, positions, identity, chunk};
}

/** Floats of scratch a plan uses: the chunk (padded image or im2col), the pack (blocked or
 *  packed dy) and the accumulator of dW. */
export function filterGradScratch(
  g: ConvGeometry,
  p: FilterGradPlan,
): {col: number; pack: number; acc: number} {
  const k = colWidth(g);
  switch (p.kind) {
    case 'taps':
      return {
        col: p.ph * p.pw * g.inChannels,
        pack: p.dyInPlace ? 0 : g.outHeight * g.outWidth * p.nb * 4,
        acc: k * p.nb * 4,
      };
    case 'rows':
      return {
        col: p.ph * p.pw * g.inChannels,
        pack: packedSize(g.outWidth, g.outChannels),
        acc: k * g.outChannels,
      };
    case 'gemm':
      return {
        col: p.identity ? 0 : p.chunk * p.k,
        pack: packedSize(p.chunk, p.n),
        acc: k * g.outChannels,
      };
  }
}

/** Adds one image's filter gradient (x at xAt, dy at dyAt, NHWC) into acc (zeroed before the
 *  first image). Where finiteDy is set (the windows read the padding, kernels/cpu/guards.ts),
 *  dy is checked first: false, and nothing added, when it is not finite. setWindows must have
 *  run for the GEMM path. */
export function filterGradImage(
  wasm: KernelExports,
  g: ConvGeometry,
  p: FilterGradPlan,
  xAt: number,
  dyAt: number,
  col: number,
  pack: number,
  acc: number,
  finiteDy: boolean,
): boolean {
  const outC = g.outChannels;
  if (finiteDy && wasm.allFinite(dyAt, g.outHeight * g.outWidth * outC) === 0) return false;
  if (p.kind === 'taps') {
    padX(wasm, g, xAt, col, p.ph, p.pw);
    let dyb = dyAt;
    let [rowBytes, cellBytes, blockBytes] = [4 * g.outWidth * outC, 4 * outC, 16];
    if (!p.dyInPlace) {
      dyb = pack;
      wasm.blockChannels(dyAt, g.outHeight, g.outWidth, outC, pack, g.outHeight, g.outWidth, 0, 0);
      [rowBytes, cellBytes, blockBytes] = [16 * p.nb * g.outWidth, 16, 16 * g.outWidth];
    }
    wasm.filterGradFew(
      col,
      p.pw,
      g.inChannels,
      g.outHeight,
      g.outWidth,
      g.filterHeight,
      g.filterWidth,
      g.strideHeight,
      g.strideWidth,
      g.dilationHeight,
      g.dilationWidth,
      dyb,
      p.nb,
      rowBytes,
      cellBytes,
      blockBytes,
      acc,
    );
    return true;
  }
  if (p.kind === 'rows') {
    // By rows of the padded image (assembly/rows.ts), as the forward: no im2col.
    padX(wasm, g, xAt, col, p.ph, p.pw);
    wasm.filterGradRows(
      col,
      p.pw,
      g.inChannels,
      g.outHeight,
      g.outWidth,
      g.filterHeight,
      g.filterWidth,
      g.strideHeight,
      g.strideWidth,
      g.dilationHeight,
      dyAt,
      outC,
      pack,
      acc,
    );
    return true;
  }
  const cg = g.inChannelsPerGroup;
  for (let p0 = 0; p0 < p.positions; p0 += p.chunk) {
    const rows = Math.min(p.chunk, p.positions - p0);
    for (let group = 0; group < g.groups; group++) {
      wasm.packB(dyAt + 4 * (p0 * outC + group * p.n), 4 * outC, 4, rows, p.n, pack);
      if (p.identity) {
        // A = xᵀ: row d1 (a channel of the group), column p at (p * inC + d1) floats.
        wasm.gemm(
          cg,
          p.n,
          rows,
          xAt + 4 * (p0 * g.inChannels + group * cg),
          4,
          4 * g.inChannels,
          pack,
          acc + 4 * group * p.n,
          outC,
          1,
          0,
        );
        continue;
      }
      wasm.im2col(xAt, group, p0, rows, col);
      wasm.gemm(p.k, p.n, rows, col, 4, 4 * p.k, pack, acc + 4 * group * p.n, outC, 1, 0);
    }
  }
  return true;
}

/** Writes dW (HWIO) from the accumulator (acc, floats of f32 from accAt): the taps path keeps
 *  each tap's sums in whole blocks of four channels, the others in dW's own layout. */
export function filterGradResult(
  g: ConvGeometry,
  p: FilterGradPlan,
  f32: Float32Array,
  accAt: number,
  dW: Float32Array,
): void {
  const k = colWidth(g);
  const at = accAt >> 2;
  if (p.kind !== 'taps') {
    dW.set(f32.subarray(at, at + k * g.outChannels));
    return;
  }
  const row = p.nb * 4;
  for (let t = 0; t < k; t++) {
    dW.set(f32.subarray(at + t * row, at + t * row + g.outChannels), t * g.outChannels);
  }
}

/** dW = the filter gradient of conv2d, x and dy NHWC, dW HWIO. Where the windows read the
 *  padding, dy must be finite (kernels/cpu/guards.ts): each image's copy of it is checked in the
 *  module, and a non-finite one makes the call return false, dW unfinished, for the guard. */
export function conv2dBackpropFilterSimd(
  m: SimdKernels,
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  dW: Float32Array,
): boolean {
  if (isDepthwise(g)) return depthwiseFilterGradSimd(m, x, dy, g, dW, OWN_MEMORY);
  const plan = filterGradPlan(g);
  if (plan == null) return false;
  const {exports: wasm, regions: r, f32} = m;
  const [inImage, outImage] = imageSizes(g);
  const finiteDy = readsPadding(g);
  f32.fill(0, r.acc >> 2, (r.acc >> 2) + filterGradScratch(g, plan).acc);
  if (plan.kind === 'gemm' && !plan.identity) setWindows(wasm, g);
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(x.subarray(b * inImage, (b + 1) * inImage), r.in >> 2);
    f32.set(dy.subarray(b * outImage, (b + 1) * outImage), r.aux >> 2);
    if (!filterGradImage(wasm, g, plan, r.in, r.aux, r.col, r.pack, r.acc, finiteDy)) {
      return false;
    }
  }
  filterGradResult(g, plan, f32, r.acc, dW);
  countSimdRun();
  return true;
}
