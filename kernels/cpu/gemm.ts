// C (+)= A · B for strided float32 matrices: the one matrix product behind the forward pass, the
// input gradient and the filter gradient. A matrix is a view (offset, rowStride, colStride) into
// a flat array, so a transposed operand is the same array with its strides swapped, and the three
// products of the math in README.md (col·W, dy·Wᵀ, colᵀ·dy) need no copies.
//
// The scheme is the classic one for caches: C is cut into blocks; for each slice of the inner
// dimension (KC wide) a block of B (KC × NC) and then a block of A (MC × KC) are copied ("packed")
// into buffers laid out in the order the micro-kernel reads them, and a 4 × 4 micro-kernel keeps
// 16 float64 sums in registers while it walks the slice. Packing turns any strides into unit-stride
// reads, and the float64 sums make each block's result exact to float64 before it is rounded once
// into C. Packing A pays only when each packed row is reused by many column tiles: when C has
// few columns (the first layers of a network, with 8 or 16 output channels), A is read in place.
// For small convolutions A need not exist at all: gemmWindows and gemmTaps read the im2col matrix
// (or its transpose) straight from a zero-padded image, its columns in segments (window rows or
// output rows) that are contiguous or evenly strided there.

import {scratchFloat64} from './scratch';

export interface MatrixView {
  data: Float32Array;
  offset: number;
  rowStride: number;
  colStride: number;
}

// The block sizes, measured on the scalar path (ms, median of 7, forward / input gradient /
// filter gradient of 3x3 'same' convolutions: c2 = x[32,14,14,8] * [5,5,8,16], x[2,56,56,64] *
// 64, x[8,28,28,16..32] * 16, and 1x1 x[2,28,28,128] * 256). MC 32 or 128 and NC 256 or 1024
// move none of them past the run-to-run noise (about 5%). KC 128 costs 15-45% where the inner
// dimension is 200-400 (c2: 11.4 vs 8.2 ms; x[8,28,28,16]: 8.6 vs 6.0 ms), as every slice
// re-reads and re-writes C; KC 512 ties on all but x[8,28,28,32] (k = 288, one slice instead of
// 256 + 32: 11.9 vs 16 ms), and doubles B's block to 2 MiB.
const MR = 4;
const NR = 4;
const MC = 64;
const KC = 256;
const NC = 512;
/** At most this many column tiles: A is read as it lies rather than packed, from a plain copy of
 *  each block's span (of at most IN_PLACE_A_SPAN values; packed beyond). Measured as above: at 4
 *  tiles (16 output channels) reading A in place beats packing it by 13% (x[8,28,28,32] * 16,
 *  forward: 15.7 vs 17.9 ms, at a limit of 2 tiles); a limit of 8 ties on every shape. A span
 *  limit of 1 << 15 ties too; 1 << 19 outgrows the scratch bound (scratch.ts). */
const IN_PLACE_A_TILES = 4;
const IN_PLACE_A_SPAN = 1 << 17;
/** From this many columns of C, tiles of 4x8 (wideKernel): they read A half as often, but hold
 *  32 sums, more than the registers, which costs more than it saves with one pair of panels
 *  (measured in the bench, x[32,28,28,1] * [5,5,1,8], eight columns: 3.07 ms in 4x8 tiles,
 *  2.86 ms in 4x4; x[8,28,28,128] * [1,1,128,256]: 95.6 ms and 100 ms). */
const WIDE_MIN_COLUMNS = 4 * NR;

/** Copies rows [i0, i0 + mc) × cols [k0, k0 + kc) of A into panels of MR rows, k-major. */
function packA(
  a: MatrixView,
  i0: number,
  mc: number,
  k0: number,
  kc: number,
  m: number,
  out: Float64Array,
): void {
  const src = a.data;
  const rs = a.rowStride;
  const cs = a.colStride;
  let o = 0;
  for (let ip = 0; ip < mc; ip += MR) {
    for (let r = 0; r < MR; r++) {
      const i = i0 + ip + r;
      let p = o + r;
      if (i < m && ip + r < mc) {
        let s = a.offset + i * rs + k0 * cs;
        for (let kk = 0; kk < kc; kk++, s += cs, p += MR) out[p] = src[s];
      } else {
        for (let kk = 0; kk < kc; kk++, p += MR) out[p] = 0;
      }
    }
    o += MR * kc;
  }
}

/** Copies rows [k0, k0 + kc) × cols [j0, j0 + nc) of B into panels of NR columns, k-major. */
function packB(
  b: MatrixView,
  k0: number,
  kc: number,
  j0: number,
  nc: number,
  n: number,
  out: Float64Array,
): void {
  const src = b.data;
  const rs = b.rowStride;
  const cs = b.colStride;
  let o = 0;
  for (let jp = 0; jp < nc; jp += NR) {
    for (let c = 0; c < NR; c++) {
      const j = j0 + jp + c;
      let p = o + c;
      if (j < n && jp + c < nc) {
        let s = b.offset + k0 * rs + j * cs;
        for (let kk = 0; kk < kc; kk++, s += rs, p += NR) out[p] = src[s];
      } else {
        for (let kk = 0; kk < kc; kk++, p += NR) out[p] = 0;
      }
    }
    o += NR * kc;
  }
}

/**
 * C[m × n] = A[m × k] · B[k × n], or C += A · B when `accumulate` is set.
 * C must not overlap A or B.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: MatrixView,
  b: MatrixView,
  c: MatrixView,
  accumulate: boolean,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) fillView(c, m, n, 0);
    return;
  }
  const pa = scratchFloat64('gemm.packA', MC * KC);
  const pb = scratchFloat64('gemm.packB', KC * NC);
  const inPlaceA = Math.ceil(Math.min(n, NC) / NR) <= IN_PLACE_A_TILES;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = Math.min(KC, k - k0);
      packB(b, k0, kc, j0, nc, n, pb);
      const add = accumulate || k0 > 0;
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        const span = (mc - 1) * a.rowStride + (kc - 1) * a.colStride + 1;
        if (inPlaceA && span <= IN_PLACE_A_SPAN) {
          // The block's span of A, copied as it lies (into float64, as the micro-kernel reads
          // every A it is given): tile ip's row r, column kk at
          // (ip + r) * rowStride + kk * colStride.
          const start = a.offset + i0 * a.rowStride + k0 * a.colStride;
          const block = scratchFloat64('gemm.blockA', IN_PLACE_A_SPAN);
          block.set(a.data.subarray(start, start + span));
          macroKernel(
            mc,
            nc,
            kc,
            {
              data: block,
              base: 0,
              tileStep: MR * a.rowStride,
              rowStep: a.rowStride,
              kStep: a.colStride,
              segmentLength: kc,
              segmentJump: 0,
            },
            pb,
            c,
            i0,
            j0,
            add,
          );
        } else {
          packA(a, i0, mc, k0, kc, m, pa);
          macroKernel(
            mc,
            nc,
            kc,
            {
              data: pa,
              base: 0,
              tileStep: MR * kc,
              rowStep: 1,
              kStep: MR,
              segmentLength: kc,
              segmentJump: 0,
            },
            pb,
            c,
            i0,
            j0,
            add,
          );
        }
      }
    }
  }
}

/** Rows of an im2col matrix read in place from a padded image: row i, column s * segmentLength + t
 *  (t < segmentLength) at offset + i * rowStride + s * segmentStride + t, or, when rowOffsets is
 *  set (for gemmWindows), at offset + rowOffsets[i] + s * segmentStride + t. */
export interface WindowsView {
  data: Float64Array;
  offset: number;
  rowOffsets?: Int32Array;
  rowStride: number;
  segmentLength: number;
  segmentStride: number;
}

/** True when gemmWindows can take B as k × n: one packed block. */
export function fitsOneBlock(k: number, n: number): boolean {
  return k <= KC && n <= NC;
}

/** The most rows of B in one slice of packWholeB. Longer than gemm's KC: each slice of
 *  gemmWindows costs a pass that reads and writes C again, and a panel of NR columns is still
 *  32 KiB (measured: the input gradient of [32,14,14,8] * [5,5,8,16], 400 rows of B, ran 10%
 *  faster in one slice than in two). */
const WINDOWS_KC = 4 * KC;

/** Rows of B in one slice of packWholeB: the most whole segments that fit WINDOWS_KC. */
function sliceWidth(segmentLength: number): number {
  return Math.floor(WINDOWS_KC / segmentLength) * segmentLength;
}

/** True when packWholeB can hold B (k × n) in slices of whole segments of segmentLength, for
 *  gemmWindows; any k, as long as one segment fits a slice and the slices fit the pack. */
export function fitsWholeB(k: number, n: number, segmentLength: number): boolean {
  return segmentLength <= WINDOWS_KC && n <= NC && k * Math.ceil(n / NR) * NR <= KC * NC;
}

/** Packs B (k × n, fitsWholeB) once for repeated gemmWindows calls with the same segmentLength:
 *  slice after slice of whole segments (one slice when k <= WINDOWS_KC), each laid out as packB
 *  lays out a block. Valid until the next gemm or packWholeB call. */
export function packWholeB(
  b: MatrixView,
  k: number,
  n: number,
  segmentLength: number,
): Float64Array {
  const pb = scratchFloat64('gemm.packB', KC * NC);
  const slice = sliceWidth(segmentLength);
  const paddedN = Math.ceil(n / NR) * NR;
  for (let k0 = 0; k0 < k; k0 += slice) {
    const kc = Math.min(slice, k - k0);
    packB(b, k0, kc, 0, n, n, pb.subarray(k0 * paddedN));
  }
  return pb;
}

/** C[m × n] = A · B, A read in place through a WindowsView, B packed by packWholeB with
 *  a.segmentLength: one macro-kernel pass per slice, the later ones adding into C. */
export function gemmWindows(
  m: number,
  n: number,
  k: number,
  a: WindowsView,
  pb: Float64Array,
  c: MatrixView,
): void {
  const slice = sliceWidth(a.segmentLength);
  const paddedN = Math.ceil(n / NR) * NR;
  for (let k0 = 0; k0 < k; k0 += slice) {
    const kc = Math.min(slice, k - k0);
    macroKernel(
      m,
      n,
      kc,
      {
        data: a.data,
        base: a.offset + (k0 / a.segmentLength) * a.segmentStride,
        tileStep: MR * a.rowStride,
        rowStep: a.rowStride,
        rowOffsets: a.rowOffsets,
        kStep: 1,
        segmentLength: a.segmentLength,
        segmentJump: a.segmentStride - a.segmentLength,
      },
      k0 === 0 ? pb : pb.subarray(k0 * paddedN),
      c,
      0,
      0,
      k0 > 0,
    );
  }
}

/** c[i] = Σ_t A[i, t] · b[t] (C one column of m rows), A read in place through a WindowsView:
 *  gemmWindows for n = 1, without the micro-kernel's three columns of zeros. Four rows at a time
 *  share each b[t]; sums in float64 over the whole of k, rounded once. */
export function gemvWindows(
  m: number,
  k: number,
  a: WindowsView,
  b: Float64Array,
  c: MatrixView,
): void {
  const data = a.data;
  const segmentLength = a.segmentLength;
  const segmentJump = a.segmentStride - segmentLength;
  for (let i0 = 0; i0 < m; i0 += MR) {
    // A short last tile reads its own rows again in place of the missing ones (inside A, as in
    // macroKernel); their sums are dropped.
    const rows = Math.min(MR, m - i0);
    const r1 = (1 % rows) * a.rowStride,
      r2 = (2 % rows) * a.rowStride;
    const r3 = (3 % rows) * a.rowStride;
    let ai = a.offset + i0 * a.rowStride;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let t0 = 0; t0 < k; t0 += segmentLength, ai += segmentJump) {
      for (let t = t0; t < t0 + segmentLength; t++, ai++) {
        const bt = b[t];
        s0 += data[ai] * bt;
        s1 += data[ai + r1] * bt;
        s2 += data[ai + r2] * bt;
        s3 += data[ai + r3] * bt;
      }
    }
    storeColumn(c, i0, rows, s0, s1, s2, s3);
  }
}

/**
 * Two gemvWindows at once, c0 = A0 · b and c1 = A1 · b, where A1's windows start one
 * segmentStride after A0's: segment q of A1 is segment q + 1 of A0. Each of the S + 1 segments
 * of the image they span is read once and serves c0 with b's segment q and c1 with segment
 * q - 1, which halves the reads of A (two output rows of a convolution at stride = dilation).
 */
export function gemvWindowsPair(
  m: number,
  k: number,
  a: WindowsView,
  b: Float64Array,
  c0: MatrixView,
  c1: MatrixView,
): void {
  const data = a.data;
  const segmentLength = a.segmentLength;
  const segments = k / segmentLength;
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = Math.min(MR, m - i0); // a short last tile as in gemvWindows
    const r1 = (1 % rows) * a.rowStride,
      r2 = (2 % rows) * a.rowStride;
    const r3 = (3 % rows) * a.rowStride;
    const tile = a.offset + i0 * a.rowStride;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0; // c0's four rows
    let u0 = 0,
      u1 = 0,
      u2 = 0,
      u3 = 0; // c1's
    for (let t = 0, ai = tile; t < segmentLength; t++, ai++) {
      // segment 0: c0 only
      const bt = b[t];
      s0 += data[ai] * bt;
      s1 += data[ai + r1] * bt;
      s2 += data[ai + r2] * bt;
      s3 += data[ai + r3] * bt;
    }
    for (let q = 1; q < segments; q++) {
      // segments 1 .. S-1: both
      const image = tile + q * a.segmentStride;
      const b0 = q * segmentLength;
      const b1 = b0 - segmentLength;
      for (let t = 0; t < segmentLength; t++) {
        const ai = image + t;
        const a0 = data[ai],
          a1 = data[ai + r1],
          a2 = data[ai + r2],
          a3 = data[ai + r3];
        const bt = b[b0 + t],
          bu = b[b1 + t];
        s0 += a0 * bt;
        s1 += a1 * bt;
        s2 += a2 * bt;
        s3 += a3 * bt;
        u0 += a0 * bu;
        u1 += a1 * bu;
        u2 += a2 * bu;
        u3 += a3 * bu;
      }
    }
    const last = tile + segments * a.segmentStride; // segment S: c1 only
    const bLast = k - segmentLength;
    for (let t = 0, ai = last; t < segmentLength; t++, ai++) {
      const bu = b[bLast + t];
      u0 += data[ai] * bu;
      u1 += data[ai + r1] * bu;
      u2 += data[ai + r2] * bu;
      u3 += data[ai + r3] * bu;
    }
    storeColumn(c0, i0, rows, s0, s1, s2, s3);
    storeColumn(c1, i0, rows, u0, u1, u2, u3);
  }
}

/** Rows i0 .. i0 + rows - 1 of column c = s0, s1, s2, s3. */
function storeColumn(
  c: MatrixView,
  i0: number,
  rows: number,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
): void {
  const cd = c.data;
  const o = c.offset + i0 * c.rowStride;
  cd[o] = s0;
  if (rows > 1) cd[o + c.rowStride] = s1;
  if (rows > 2) cd[o + 2 * c.rowStride] = s2;
  if (rows > 3) cd[o + 3 * c.rowStride] = s3;
}

/** The transpose of a WindowsView over a whole image: row i (a window tap) at offset +
 *  rowOffsets[i]; column p (an output position) at p * kStep within a segment (an output row of
 *  segmentLength positions), segments segmentStride apart. */
export interface TapsView {
  data: Float64Array;
  offset: number;
  rowOffsets: Int32Array;
  kStep: number;
  segmentLength: number;
  segmentStride: number;
}

/** C[m × n] (+)= A · B, A read in place through a TapsView; segmentLength must be <= KC. B is
 *  packed in slices of whole segments. */
export function gemmTaps(
  m: number,
  n: number,
  k: number,
  a: TapsView,
  b: MatrixView,
  c: MatrixView,
  accumulate: boolean,
): void {
  const pb = scratchFloat64('gemm.packB', KC * NC);
  const slice = Math.floor(KC / a.segmentLength) * a.segmentLength;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let k0 = 0; k0 < k; k0 += slice) {
      const kc = Math.min(slice, k - k0);
      packB(b, k0, kc, j0, nc, n, pb);
      macroKernel(
        m,
        nc,
        kc,
        {
          data: a.data,
          base: a.offset + (k0 / a.segmentLength) * a.segmentStride,
          tileStep: 0,
          rowStep: 0,
          rowOffsets: a.rowOffsets,
          kStep: a.kStep,
          segmentLength: a.segmentLength,
          segmentJump: a.segmentStride - a.segmentLength * a.kStep,
        },
        pb,
        c,
        0,
        j0,
        accumulate || k0 > 0,
      );
    }
  }
}

/** Largest output-row length gemmTaps accepts. */
export const MAX_TAPS_SEGMENT = KC;

function fillView(c: MatrixView, m: number, n: number, value: number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) c.data[c.offset + i * c.rowStride + j * c.colStride] = value;
  }
}

const edge = new Float64Array(MR * NR);

/** Where the micro-kernel reads A: tile ip (rows ip .. ip + 3) holds row r, column kk at
 *  base + (ip / MR) * tileStep + r * rowStep + kk * kStep, plus segmentJump after every
 *  segmentLength columns. That is the packed panels (rowStep 1, kStep MR), A in place, the
 *  windows of a padded image read in place (one segment per window row; see gemmWindows), or
 *  their transpose (rows by an offset table, one segment per output row; see gemmTaps). */
interface ATiles {
  data: Float64Array;
  base: number;
  tileStep: number;
  rowStep: number;
  /** When set, row i starts at base + rowOffsets[i] instead (tileStep and rowStep unused). */
  rowOffsets?: Int32Array;
  kStep: number;
  segmentLength: number;
  segmentJump: number;
}

/** C block (i0, j0) of mc × nc (+)= A block · packed B. */
function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  a: ATiles,
  pb: Float64Array,
  c: MatrixView,
  i0: number,
  j0: number,
  add: boolean,
): void {
  const pa = a.data;
  const aRowStep = a.rowStep;
  const aKStep = a.kStep;
  const segmentLength = a.segmentLength;
  const segmentJump = a.segmentJump;
  const rowOffsets = a.rowOffsets;
  const cd = c.data;
  const rs = c.rowStride;
  const cs = c.colStride;
  for (let jp = 0; jp < nc; jp += NR) {
    const bBase = jp * kc;
    const cols = Math.min(NR, nc - jp);
    if (nc >= WIDE_MIN_COLUMNS && nc - jp >= 2 * NR && cs === 1) {
      wideKernel(mc, kc, a, pb, bBase, c, i0, j0 + jp, add);
      jp += NR;
      continue;
    }
    for (let ip = 0; ip < mc; ip += MR) {
      const rows = Math.min(MR, mc - ip);
      // Rows 1-3 of the tile at tile + r1, r2, r3. A short last tile repeats its first row for
      // the missing ones (their sums are dropped), so that in-place reads stay inside A.
      let tile = a.base + (ip / MR) * a.tileStep;
      let r1 = rows > 1 ? aRowStep : 0;
      let r2 = rows > 2 ? 2 * aRowStep : 0;
      let r3 = rows > 3 ? 3 * aRowStep : 0;
      if (rowOffsets != null) {
        const o0 = rowOffsets[ip];
        tile = a.base + o0;
        r1 = rows > 1 ? rowOffsets[ip + 1] - o0 : 0;
        r2 = rows > 2 ? rowOffsets[ip + 2] - o0 : 0;
        r3 = rows > 3 ? rowOffsets[ip + 3] - o0 : 0;
      }
      let ai = tile;
      let bi = bBase;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let k0 = 0; k0 < kc; k0 += segmentLength, ai += segmentJump) {
        const aEnd = ai + segmentLength * aKStep;
        for (; ai !== aEnd; ai += aKStep, bi += NR) {
          const a0 = pa[ai],
            a1 = pa[ai + r1],
            a2 = pa[ai + r2],
            a3 = pa[ai + r3];
          const b0 = pb[bi],
            b1 = pb[bi + 1],
            b2 = pb[bi + 2],
            b3 = pb[bi + 3];
          c00 += a0 * b0;
          c01 += a0 * b1;
          c02 += a0 * b2;
          c03 += a0 * b3;
          c10 += a1 * b0;
          c11 += a1 * b1;
          c12 += a1 * b2;
          c13 += a1 * b3;
          c20 += a2 * b0;
          c21 += a2 * b1;
          c22 += a2 * b2;
          c23 += a2 * b3;
          c30 += a3 * b0;
          c31 += a3 * b1;
          c32 += a3 * b2;
          c33 += a3 * b3;
        }
      }
      let o = c.offset + (i0 + ip) * rs + (j0 + jp) * cs;
      if (rows === MR && cols === NR && cs === 1) {
        if (add) {
          cd[o] += c00;
          cd[o + 1] += c01;
          cd[o + 2] += c02;
          cd[o + 3] += c03;
          o += rs;
          cd[o] += c10;
          cd[o + 1] += c11;
          cd[o + 2] += c12;
          cd[o + 3] += c13;
          o += rs;
          cd[o] += c20;
          cd[o + 1] += c21;
          cd[o + 2] += c22;
          cd[o + 3] += c23;
          o += rs;
          cd[o] += c30;
          cd[o + 1] += c31;
          cd[o + 2] += c32;
          cd[o + 3] += c33;
        } else {
          cd[o] = c00;
          cd[o + 1] = c01;
          cd[o + 2] = c02;
          cd[o + 3] = c03;
          o += rs;
          cd[o] = c10;
          cd[o + 1] = c11;
          cd[o + 2] = c12;
          cd[o + 3] = c13;
          o += rs;
          cd[o] = c20;
          cd[o + 1] = c21;
          cd[o + 2] = c22;
          cd[o + 3] = c23;
          o += rs;
          cd[o] = c30;
          cd[o + 1] = c31;
          cd[o + 2] = c32;
          cd[o + 3] = c33;
        }
        continue;
      }
      edge[0] = c00;
      edge[1] = c01;
      edge[2] = c02;
      edge[3] = c03;
      edge[4] = c10;
      edge[5] = c11;
      edge[6] = c12;
      edge[7] = c13;
      edge[8] = c20;
      edge[9] = c21;
      edge[10] = c22;
      edge[11] = c23;
      edge[12] = c30;
      edge[13] = c31;
      edge[14] = c32;
      edge[15] = c33;
      for (let r = 0; r < rows; r++) {
        for (let q = 0; q < cols; q++) {
          const idx = o + r * rs + q * cs;
          cd[idx] = add ? cd[idx] + edge[r * NR + q] : edge[r * NR + q];
        }
      }
    }
  }
}

/** macroKernel's tiles for two panels of B at once, columns j .. j + 7 of C (contiguous): 32
 *  sums per tile of four rows, so that each value of A read serves eight columns, not four. */
function wideKernel(
  mc: number,
  kc: number,
  a: ATiles,
  pb: Float64Array,
  bBase: number,
  c: MatrixView,
  i0: number,
  j: number,
  add: boolean,
): void {
  const pa = a.data;
  const aRowStep = a.rowStep;
  const aKStep = a.kStep;
  const segmentLength = a.segmentLength;
  const segmentJump = a.segmentJump;
  const rowOffsets = a.rowOffsets;
  const cd = c.data;
  const rs = c.rowStride;
  const panel = NR * kc; // the second panel's offset from the first
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = Math.min(MR, mc - ip);
    let tile = a.base + (ip / MR) * a.tileStep;
    let r1 = rows > 1 ? aRowStep : 0;
    let r2 = rows > 2 ? 2 * aRowStep : 0;
    let r3 = rows > 3 ? 3 * aRowStep : 0;
    if (rowOffsets != null) {
      const o0 = rowOffsets[ip];
      tile = a.base + o0;
      r1 = rows > 1 ? rowOffsets[ip + 1] - o0 : 0;
      r2 = rows > 2 ? rowOffsets[ip + 2] - o0 : 0;
      r3 = rows > 3 ? rowOffsets[ip + 3] - o0 : 0;
    }
    let ai = tile;
    let bi = bBase;
    let c00 = 0,
      c01 = 0,
      c02 = 0,
      c03 = 0,
      c04 = 0,
      c05 = 0,
      c06 = 0,
      c07 = 0;
    let c10 = 0,
      c11 = 0,
      c12 = 0,
      c13 = 0,
      c14 = 0,
      c15 = 0,
      c16 = 0,
      c17 = 0;
    let c20 = 0,
      c21 = 0,
      c22 = 0,
      c23 = 0,
      c24 = 0,
      c25 = 0,
      c26 = 0,
      c27 = 0;
    let c30 = 0,
      c31 = 0,
      c32 = 0,
      c33 = 0,
      c34 = 0,
      c35 = 0,
      c36 = 0,
      c37 = 0;
    for (let k0 = 0; k0 < kc; k0 += segmentLength, ai += segmentJump) {
      const aEnd = ai + segmentLength * aKStep;
      for (; ai !== aEnd; ai += aKStep, bi += NR) {
        const a0 = pa[ai],
          a1 = pa[ai + r1],
          a2 = pa[ai + r2],
          a3 = pa[ai + r3];
        let b = pb[bi];
        c00 += a0 * b;
        c10 += a1 * b;
        c20 += a2 * b;
        c30 += a3 * b;
        b = pb[bi + 1];
        c01 += a0 * b;
        c11 += a1 * b;
        c21 += a2 * b;
        c31 += a3 * b;
        b = pb[bi + 2];
        c02 += a0 * b;
        c12 += a1 * b;
        c22 += a2 * b;
        c32 += a3 * b;
        b = pb[bi + 3];
        c03 += a0 * b;
        c13 += a1 * b;
        c23 += a2 * b;
        c33 += a3 * b;
        b = pb[bi + panel];
        c04 += a0 * b;
        c14 += a1 * b;
        c24 += a2 * b;
        c34 += a3 * b;
        b = pb[bi + panel + 1];
        c05 += a0 * b;
        c15 += a1 * b;
        c25 += a2 * b;
        c35 += a3 * b;
        b = pb[bi + panel + 2];
        c06 += a0 * b;
        c16 += a1 * b;
        c26 += a2 * b;
        c36 += a3 * b;
        b = pb[bi + panel + 3];
        c07 += a0 * b;
        c17 += a1 * b;
        c27 += a2 * b;
        c37 += a3 * b;
      }
    }
    const o = c.offset + (i0 + ip) * rs + j;
    storeRow8(cd, o, add, c00, c01, c02, c03, c04, c05, c06, c07);
    if (rows > 1) storeRow8(cd, o + rs, add, c10, c11, c12, c13, c14, c15, c16, c17);
    if (rows > 2) storeRow8(cd, o + 2 * rs, add, c20, c21, c22, c23, c24, c25, c26, c27);
    if (rows > 3) storeRow8(cd, o + 3 * rs, add, c30, c31, c32, c33, c34, c35, c36, c37);
  }
}

function storeRow8(
  cd: Float32Array,
  o: number,
  add: boolean,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
  s4: number,
  s5: number,
  s6: number,
  s7: number,
): void {
  if (add) {
    cd[o] += s0;
    cd[o + 1] += s1;
    cd[o + 2] += s2;
    cd[o + 3] += s3;
    cd[o + 4] += s4;
    cd[o + 5] += s5;
    cd[o + 6] += s6;
    cd[o + 7] += s7;
  } else {
    cd[o] = s0;
    cd[o + 1] = s1;
    cd[o + 2] = s2;
    cd[o + 3] = s3;
    cd[o + 4] = s4;
    cd[o + 5] = s5;
    cd[o + 6] = s6;
    cd[o + 7] = s7;
  }
}
