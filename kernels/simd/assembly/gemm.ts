// C (+)= A · B in f32x4, the matrix product behind the three convolution kernels on the host.
//
// A (m × k) is read where it lies, through two strides in bytes: element (i, t) at
// a + i * rs + t * cs. That one view serves im2col(x) (rs = k * 4, cs = 4), dy (rs = outC * 4,
// cs = 4) and the transpose of im2col(x) (rs = 4, cs = k * 4) without a copy. B is packed by
// packB into panels of 8 columns, each panel k rows of 8 floats, so the micro-kernel reads it as
// two v128 per step. C is row-major, ldc floats a row.
//
// The micro-kernel holds a 4 × 8 tile of C in 8 v128 accumulators: each step broadcasts one
// value from each of A's four rows (v128.load32_splat) and multiplies it by B's 8 values (two
// v128). More accumulators than 8 spill on x64, whose 16 xmm registers also hold B's two vectors
// and the broadcast. The k loop is left plain: an unrolled one lets the optimiser hoist all loads
// to the top of the body, and then V8 spills.
//
// A step is 6 loads and 16 multiplies and adds; what else it runs is bookkeeping, and it counts:
// where the core is shared with another thread (a virtual machine's neighbour), the number of
// instructions, more than the multiply pipes, bounds the rate (not alone: XNNPACK's step runs
// more instructions and loses less there; ARCHITECTURE.md). So each row has its own pointer and B's
// pointer is the loop's count: 7 more instructions a step, where a row offset added to one
// pointer and a step count took 9-10 with two of them read from the stack. A fixed offset on a
// splat's address does not help: V8 11 keeps base + offset in a register of its own for each.
//
// Blocking keeps the operands in cache: k is cut into slices of KC, m into blocks of MC rows; a
// block of A (MC × KC) is swept against every panel while that panel's slice (KC × 8) stays in L1.

import {
  finishAlpha,
  finishBias,
  finished,
  finishedScalar,
  finishedWith,
  finishHasBias,
  finishKind,
  finishPrelu,
  LINEAR,
  PRELU,
  RELU,
  RELU6,
} from './epilogue';

/** Rows of a slice of A and B (the inner dimension). */
export const KC: i32 = 512;
/** Rows of A in one block. */
const MC: i32 = 64;

/** Bytes of one panel row: 8 floats. */
export const PANEL_ROW: usize = 32;

/** A 4 × 8 tile's sums, for a tile of C that is cut short by m or n (and few.ts's four taps by
 *  eight channels). */
export let EDGE: usize = 0;

/** Sets the 128 bytes where tile() spills an edge tile (the module has no static data, so that
 *  it can run on a memory it imports). */
export function setEdge(at: usize): void {
  EDGE = at;
}

/** Packs B (k × n, element (t, j) at src + t * rs + j * cs, bytes) into ceil(n / 8) panels of
 *  k × 8 floats at dst; columns past n are zero. */
export function packB(src: usize, rs: usize, cs: usize, k: i32, n: i32, dst: usize): void {
  const panels = (n + 7) >> 3;
  let out = dst;
  for (let p = 0; p < panels; p++) {
    const j0 = p << 3;
    const cols = min<i32>(8, n - j0);
    let row = src + <usize>j0 * cs;
    if (cols == 8 && cs == 4) {
      for (let t = 0; t < k; t++, row += rs, out += PANEL_ROW) {
        v128.store(out, v128.load(row));
        v128.store(out, v128.load(row, 16), 16);
      }
      continue;
    }
    for (let t = 0; t < k; t++, row += rs, out += PANEL_ROW) {
      let j = 0;
      for (; j < cols; j++) store<f32>(out + (<usize>j << 2), load<f32>(row + <usize>j * cs));
      for (; j < 8; j++) store<f32>(out + (<usize>j << 2), 0);
    }
  }
}

/** C (m × n, ldc floats a row) = A · B, or C += A · B when accumulate is set; B packed by packB
 *  with the same k and n. Where finish is 1, C's columns are output channels and the epilogue
 *  (epilogue.ts, finishWith) is applied as the last slice of k stores each tile. */
export function gemm(m: i32, n: i32, k: i32, a: usize, rs: usize, cs: usize, pb: usize,
                     c: usize, ldc: i32, accumulate: i32, finish: i32): void {
  if (m <= 0 || n <= 0) return;
  const panels = (n + 7) >> 3;
  const panelBytes = <usize>k * PANEL_ROW;
  const cRow = <usize>ldc << 2;
  if (k <= 0) {
    if (accumulate == 0) {
      for (let i = 0; i < m; i++) memory.fill(c + <usize>i * cRow, 0, <usize>n << 2);
    }
    if (finish != 0) finishRows(c, cRow, m, n);
    return;
  }
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min<i32>(KC, k - k0);
    const add = accumulate != 0 || k0 > 0;
    const fin = finish != 0 && k0 + kc >= k;
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = min<i32>(MC, m - i0);
      for (let p = 0; p < panels; p++) {
        const cols = min<i32>(8, n - (p << 3));
        const bp = pb + <usize>p * panelBytes + <usize>k0 * PANEL_ROW;
        for (let ip = 0; ip < mc; ip += 4) {
          const i = i0 + ip;
          const rows = min<i32>(4, mc - ip);
          const at = a + <usize>i * rs + <usize>k0 * cs;
          const ct = c + <usize>i * cRow + (<usize>(p << 3) << 2);
          if (rows <= 2) {
            // One or two rows left: row by row (two of rowTile's take three quarters of the
            // time of a four-row tile).
            rowTile(kc, at, cs, bp, ct, cRow, cols, add, fin, <usize>p << 5);
            if (rows == 2) {
              rowTile(kc, at + rs, cs, bp, ct + cRow, cRow, cols, add, fin, <usize>p << 5);
            }
          } else {
            tile(kc, at, rs, rs << 1, rows > 3 ? rs * 3 : 0, cs, bp, ct, cRow,
                 rows, cols, add, fin, <usize>p << 5);
          }
        }
      }
    }
  }
}

/** One 4 × 8 tile over kc steps: A's rows at a, a + r1, a + r2, a + r3 (a short tile repeats
 *  row 0 for the missing ones, whose sums are dropped), B one panel slice at b; the tile's
 *  first column is output channel o / 4 (the epilogue's offset where fin is set). */
// @ts-ignore: decorator
@inline
function tile(kc: i32, a: usize, r1: usize, r2: usize, r3: usize, cs: usize, b: usize, c: usize,
              cRow: usize, rows: i32, cols: i32, add: bool, fin: bool, o: usize): void {
  // A pointer for each row, and B's pointer as the count (see the top of the file).
  let a1 = a + r1, a2 = a + r2, a3 = a + r3;
  const end = b + (<usize>kc << 5);
  // The first step sets the sums (kc >= 1).
  let b0 = v128.load(b);
  let b1 = v128.load(b, 16);
  let s = v128.load32_splat(a);
  let c00 = f32x4.mul(s, b0), c01 = f32x4.mul(s, b1);
  s = v128.load32_splat(a1);
  let c10 = f32x4.mul(s, b0), c11 = f32x4.mul(s, b1);
  s = v128.load32_splat(a2);
  let c20 = f32x4.mul(s, b0), c21 = f32x4.mul(s, b1);
  s = v128.load32_splat(a3);
  let c30 = f32x4.mul(s, b0), c31 = f32x4.mul(s, b1);
  a += cs;
  a1 += cs;
  a2 += cs;
  a3 += cs;
  b += PANEL_ROW;
  while (b < end) {
    b0 = v128.load(b);
    b1 = v128.load(b, 16);
    s = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(s, b0));
    c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(a1);
    c10 = f32x4.add(c10, f32x4.mul(s, b0));
    c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(a2);
    c20 = f32x4.add(c20, f32x4.mul(s, b0));
    c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(a3);
    c30 = f32x4.add(c30, f32x4.mul(s, b0));
    c31 = f32x4.add(c31, f32x4.mul(s, b1));
    a += cs;
    a1 += cs;
    a2 += cs;
    a3 += cs;
    b += PANEL_ROW;
  }
  storeTile(c, cRow, rows, cols, add, fin, o, c00, c01, c10, c11, c20, c21, c30, c31);
}

/** tile() for a block's last row where m is one more than a multiple of four. The four-row tile
 *  there runs four rows' products for one: a 1x1 convolution of a 3x3 map (m = 9) ran a third
 *  longer than one of m = 8, and one of a single cell (m = 1, as in a squeeze-and-excitation
 *  block) as long as one of m = 4. A row's two sums alone would make each step wait for the
 *  add of the step before (a chain of adds: 1.2 ns a step measured, a four-row step's time), so
 *  the even and the odd steps have sums of their own, added at the end. Four sums, not eight:
 *  with eight, V8 hoists the loads of four steps to the top of the loop and spills. Exported so
 *  that it stays a function of its own (index.ts). */
export function rowTile(kc: i32, a: usize, cs: usize, b: usize, c: usize, cRow: usize,
                        cols: i32, add: bool, fin: bool, o: usize): void {
  let c0 = f32x4.splat(0), c1 = c0, d0 = c0, d1 = c0;
  const pairs = b + (<usize>(kc & ~1) << 5);
  const end = b + (<usize>kc << 5);
  while (b < pairs) {
    let s = v128.load32_splat(a);
    c0 = f32x4.add(c0, f32x4.mul(s, v128.load(b)));
    c1 = f32x4.add(c1, f32x4.mul(s, v128.load(b, 16)));
    s = v128.load32_splat(a + cs);
    d0 = f32x4.add(d0, f32x4.mul(s, v128.load(b, 32)));
    d1 = f32x4.add(d1, f32x4.mul(s, v128.load(b, 48)));
    a += cs << 1;
    b += PANEL_ROW << 1;
  }
  if (b < end) {
    const s = v128.load32_splat(a);
    c0 = f32x4.add(c0, f32x4.mul(s, v128.load(b)));
    c1 = f32x4.add(c1, f32x4.mul(s, v128.load(b, 16)));
  }
  c0 = f32x4.add(c0, d0);
  c1 = f32x4.add(c1, d1);
  storeTile(c, cRow, 1, cols, add, fin, o, c0, c1, c0, c1, c0, c1, c0, c1);
}

/** Stores (or adds) a 4 × 8 tile's sums into C: whole tiles directly, a tile cut short by m or n
 *  through the edge tile; where fin is set, finished (epilogue.ts) with the output channels
 *  from o / 4 on. */
// @ts-ignore: decorator
@inline
export function storeTile(c: usize, cRow: usize, rows: i32, cols: i32, add: bool, fin: bool,
                          o: usize, c00: v128, c01: v128, c10: v128, c11: v128, c20: v128,
                          c21: v128, c30: v128, c31: v128): void {
  if (rows == 4 && cols == 8) {
    if (fin) {
      // The common forms (a bias, then linear, relu or relu6, into a C not added to) on copies
      // specialised to them, so that no store tests the activation or reloads add.
      const has = finishHasBias, kind = finishKind;
      if (has && kind == RELU6 && !add) {
        storeFinished(c, cRow, false, o, true, RELU6, c00, c01, c10, c11, c20, c21, c30, c31);
      } else if (has && kind == RELU && !add) {
        storeFinished(c, cRow, false, o, true, RELU, c00, c01, c10, c11, c20, c21, c30, c31);
      } else if (has && kind == LINEAR && !add) {
        storeFinished(c, cRow, false, o, true, LINEAR, c00, c01, c10, c11, c20, c21, c30, c31);
      } else {
        storeFinished(c, cRow, add, o, has, kind, c00, c01, c10, c11, c20, c21, c30, c31);
      }
      return;
    }
    storeRow(c, c00, c01, add);
    storeRow(c + cRow, c10, c11, add);
    storeRow(c + (cRow << 1), c20, c21, add);
    storeRow(c + cRow * 3, c30, c31, add);
    return;
  }
  v128.store(EDGE, c00); v128.store(EDGE, c01, 16);
  v128.store(EDGE, c10, 32); v128.store(EDGE, c11, 48);
  v128.store(EDGE, c20, 64); v128.store(EDGE, c21, 80);
  v128.store(EDGE, c30, 96); v128.store(EDGE, c31, 112);
  // Row by row (each row's adds done before the next row's loads, so rows of C that overlap in
  // memory, as the input gradient by rows writes them, keep every sum): four columns at once
  // where there are four, the rest one by one.
  for (let r = 0; r < rows; r++) {
    const src = EDGE + (<usize>r << 5);
    const dst = c + <usize>r * cRow;
    let j = 0;
    if (cols >= 4) {
      let v = v128.load(src);
      if (add) v = f32x4.add(v128.load(dst), v);
      v128.store(dst, fin ? finished(v, o) : v);
      j = 4;
    }
    for (; j < cols; j++) {
      const at = <usize>j << 2;
      let v = load<f32>(src + at);
      if (add) v += load<f32>(dst + at);
      store<f32>(dst + at, fin ? finishedScalar(v, o + at) : v);
    }
  }
}

/** A whole tile stored (or added) and finished: the eight channels' bias and PReLU weights
 *  loaded once for its four rows. */
// @ts-ignore: decorator
@inline
function storeFinished(c: usize, cRow: usize, add: bool, o: usize, has: bool, kind: i32,
                       c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128,
                       c30: v128, c31: v128): void {
  const alpha = f32x4.splat(finishAlpha);
  const b0 = has ? v128.load(finishBias + o) : alpha;
  const b1 = has ? v128.load(finishBias + o, 16) : alpha;
  const w0 = kind == PRELU ? v128.load(finishPrelu + o) : alpha;
  const w1 = kind == PRELU ? v128.load(finishPrelu + o, 16) : alpha;
  storeRowFinished(c, c00, c01, add, has, b0, b1, kind, alpha, w0, w1);
  storeRowFinished(c + cRow, c10, c11, add, has, b0, b1, kind, alpha, w0, w1);
  storeRowFinished(c + (cRow << 1), c20, c21, add, has, b0, b1, kind, alpha, w0, w1);
  storeRowFinished(c + cRow * 3, c30, c31, add, has, b0, b1, kind, alpha, w0, w1);
}

// @ts-ignore: decorator
@inline
function storeRowFinished(c: usize, s0: v128, s1: v128, add: bool, has: bool, b0: v128, b1: v128,
                          kind: i32, alpha: v128, w0: v128, w1: v128): void {
  if (add) {
    s0 = f32x4.add(v128.load(c), s0);
    s1 = f32x4.add(v128.load(c, 16), s1);
  }
  v128.store(c, finishedWith(s0, has, b0, kind, alpha, w0));
  v128.store(c, finishedWith(s1, has, b1, kind, alpha, w1), 16);
}

/** The epilogue on C's m rows of n output channels, where they lie. */
function finishRows(c: usize, cRow: usize, m: i32, n: i32): void {
  const whole = <usize>(n & ~3) << 2;
  const end = <usize>n << 2;
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * cRow;
    let o: usize = 0;
    for (; o < whole; o += 16) v128.store(row + o, finished(v128.load(row + o), o));
    for (; o < end; o += 4) store<f32>(row + o, finishedScalar(load<f32>(row + o), o));
  }
}

// @ts-ignore: decorator
@inline
function storeRow(c: usize, s0: v128, s1: v128, add: bool): void {
  if (add) {
    v128.store(c, f32x4.add(v128.load(c), s0));
    v128.store(c, f32x4.add(v128.load(c, 16), s1), 16);
  } else {
    v128.store(c, s0);
    v128.store(c, s1, 16);
  }
}
