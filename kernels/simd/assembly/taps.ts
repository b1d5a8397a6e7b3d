// The forward convolution of few input channels without im2col. im2col would copy each window
// row as a short run (fw * C floats), and below ROWS_MAX_CHANNELS (kernels/simd/conv.ts) those
// copies, not the products, bound the kernel. Here the image is copied once into a zeroed padded
// image and the GEMM's A is read from it in place: element (cell, tap) of im2col(x) is the float
// at the cell's window origin plus the tap's offset, from a table of the fh * fw * C offsets.
// So one product per output row runs over every tap (k = fh * fw * C), with the micro-kernel of
// gemm.ts but for that table: a 4 × 8 tile, four cells of the row by eight output channels.

import {KC, PANEL_ROW, storeTile} from './gemm';

/** Writes, at offs, the byte offsets (i32) of the taps (fy, fx, ch) of a window, in the filter's
 *  row order, from the window's origin in a padded image pw cells of c floats wide. */
export function setTaps(offs: usize, fh: i32, fw: i32, c: i32, pw: i32, dH: i32, dW: i32): void {
  let at = offs;
  for (let fy = 0; fy < fh; fy++) {
    for (let fx = 0; fx < fw; fx++) {
      const cell = (fy * dH * pw + fx * dW) * c;
      for (let ch = 0; ch < c; ch++, at += 4) store<i32>(at, (cell + ch) << 2);
    }
  }
}

/** y (outH × outW × n, NHWC) = the convolution of the padded image xp (pw cells of c floats a
 *  row; output cell (yR, yC)'s window origin at padded cell (yR * sH, yC * sW)) with the filter
 *  packed as the GEMM's B (k = fh * fw * c rows, in panels of 8 columns; packB), in slices of k
 *  as the GEMM cuts it, so that a slice of a panel stays in L1 while the tiles of an output row
 *  sweep it.
 *
 *  Where run > 0 (undilated columns), the fh filter rows' taps are runs of `run` floats, runStep
 *  bytes apart, read without a table: a slice is whole runs (as many as KC holds) or a piece of
 *  one run. Otherwise (dilated columns) a slice is KC taps of the table at offs (setTaps). */
export function convTaps(xp: usize, pw: i32, c: i32, outH: i32, outW: i32, sH: i32, sW: i32,
                         offs: usize, k: i32, pack: usize, n: i32, y: usize, fh: i32, run: i32,
                         runStep: usize, finish: i32): void {
  const fin = finish != 0;
  if (run > 0) {
    if (run <= KC) {
      const rowsPerSlice = KC / run;
      for (let wR = 0; wR < fh; wR += rowsPerSlice) {
        convSlice(xp, pw, c, outH, outW, sH, sW, 0, min<i32>(rowsPerSlice, fh - wR), run,
                  runStep, <usize>wR * runStep, wR * run, k, pack, n, y, wR > 0,
                  fin && wR + rowsPerSlice >= fh);
      }
      return;
    }
    for (let wR = 0; wR < fh; wR++) {
      for (let t0 = 0; t0 < run; t0 += KC) {
        convSlice(xp, pw, c, outH, outW, sH, sW, 0, 1, min<i32>(KC, run - t0), runStep,
                  <usize>wR * runStep + (<usize>t0 << 2), wR * run + t0, k, pack, n, y,
                  wR > 0 || t0 > 0, fin && wR == fh - 1 && t0 + KC >= run);
      }
    }
    return;
  }
  for (let k0 = 0; k0 < k; k0 += KC) {
    convSlice(xp, pw, c, outH, outW, sH, sW, offs + (<usize>k0 << 2), 0, min<i32>(KC, k - k0), 0,
              0, k0, k, pack, n, y, k0 > 0, fin && k0 + KC >= k);
  }
}

/** Output cells per block of tiles: the block's cells' slice of A stays in cache while every
 *  panel sweeps it, and each panel's slice of B stays in L1 across the block's 16 tiles. */
const BLOCK_CELLS: i32 = 64;

/** One slice of convTaps: taps k0 .. k0 + the slice's count of B's rows, from A's cells at
 *  aSkip bytes past each window origin, either `runs` runs of `len` floats runStep apart, or
 *  (runs = 0) len taps of the table at offs. The output cells are taken four at a time in their
 *  NHWC order, across the ends of output rows (a tile's four cells need not share a row: each
 *  is an offset from the first), so that only the image's last tile can be short. */
function convSlice(xp: usize, pw: i32, c: i32, outH: i32, outW: i32, sH: i32, sW: i32,
                   offs: usize, runs: i32, len: i32, runStep: usize, aSkip: usize, k0: i32, k: i32,
                   pack: usize, n: i32, y: usize, add: bool, fin: bool): void {
  const cellStep = <usize>(sW * c) << 2;
  const rowBytes = <usize>(sH * pw * c) << 2;
  const panels = (n + 7) >> 3;
  const panelBytes = <usize>k * PANEL_ROW;
  const cRow = <usize>n << 2;
  const cells = outH * outW;
  const origin = xp + aSkip;
  for (let i0 = 0; i0 < cells; i0 += BLOCK_CELLS) {
    const i1 = min<i32>(cells, i0 + BLOCK_CELLS);
    for (let p = 0; p < panels; p++) {
      const cols = min<i32>(8, n - (p << 3));
      const b = pack + <usize>p * panelBytes + <usize>k0 * PANEL_ROW;
      const yR = i0 / outW;
      let yC = i0 - yR * outW;
      // The next cell's window origin, and that of its output row's first cell.
      let rowAt = origin + <usize>yR * rowBytes;
      let at = rowAt + <usize>yC * cellStep;
      for (let i = i0; i < i1; i += 4) {
        if (runs > 0) {
          // The whole tiles left in this output row, in one call.
          const whole = min<i32>(outW - yC, i1 - i) >> 2;
          if (whole > 0) {
            rowTiles(whole, runs, len, runStep, at, cellStep, b,
                     y + <usize>i * cRow + (<usize>(p << 3) << 2), cRow, cols, add, fin,
                     <usize>p << 5);
            const done = whole << 2;
            i += done - 4;
            yC += done;
            if (yC == outW) { yC = 0; rowAt += rowBytes; at = rowAt; } else {
              at += <usize>done * cellStep;
            }
            continue;
          }
        }
        const rows = min<i32>(4, i1 - i);
        // The four cells' window origins, the first's and the others' offsets from it (a short
        // tile repeats its first cell; those sums are dropped).
        const a = at;
        let r1: usize = 0, r2: usize = 0, r3: usize = 0;
        if (rows == 4 && yC + 4 < outW) {
          // Within one output row, the common case: no division, no row change.
          r1 = cellStep;
          r2 = cellStep << 1;
          r3 = cellStep * 3;
          yC += 4;
          at += cellStep << 2;
        } else {
          if (++yC == outW) { yC = 0; rowAt += rowBytes; at = rowAt; } else { at += cellStep; }
          if (rows > 1) r1 = at - a;
          if (++yC == outW) { yC = 0; rowAt += rowBytes; at = rowAt; } else { at += cellStep; }
          if (rows > 2) r2 = at - a;
          if (++yC == outW) { yC = 0; rowAt += rowBytes; at = rowAt; } else { at += cellStep; }
          if (rows > 3) r3 = at - a;
          if (++yC == outW) { yC = 0; rowAt += rowBytes; at = rowAt; } else { at += cellStep; }
        }
        const c0 = y + <usize>i * cRow + (<usize>(p << 3) << 2);
        if (runs > 0) {
          tileRuns(runs, len, runStep, a, r1, r2, r3, b, c0, cRow, rows, cols, add, fin,
                   <usize>p << 5);
        } else {
          tileTaps(len, a, r1, r2, r3, offs, b, c0, cRow, rows, cols, add, fin, <usize>p << 5);
        }
      }
    }
  }
}

/** gemm.ts's tile with A's column t at a + offs[t] (cells at a, a + r1, a + r2, a + r3). Kept
 *  apart from that tile, whose plain column stride is its speed. fin and o: storeTile's. */
export function tileTaps(kc: i32, a: usize, r1: usize, r2: usize, r3: usize, offs: usize, b: usize,
                         c: usize, cRow: usize, rows: i32, cols: i32, add: bool, fin: bool,
                         o: usize): void {
  // The first tap sets the sums (kc >= 1), as in gemm.ts's tile.
  let at = a + <usize>load<i32>(offs);
  let b0 = v128.load(b);
  let b1 = v128.load(b, 16);
  let s = v128.load32_splat(at);
  let c00 = f32x4.mul(s, b0), c01 = f32x4.mul(s, b1);
  s = v128.load32_splat(at + r1);
  let c10 = f32x4.mul(s, b0), c11 = f32x4.mul(s, b1);
  s = v128.load32_splat(at + r2);
  let c20 = f32x4.mul(s, b0), c21 = f32x4.mul(s, b1);
  s = v128.load32_splat(at + r3);
  let c30 = f32x4.mul(s, b0), c31 = f32x4.mul(s, b1);
  offs += 4;
  b += PANEL_ROW;
  for (let t = 1; t < kc; t++) {
    at = a + <usize>load<i32>(offs);
    b0 = v128.load(b);
    b1 = v128.load(b, 16);
    s = v128.load32_splat(at);
    c00 = f32x4.add(c00, f32x4.mul(s, b0));
    c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(at + r1);
    c10 = f32x4.add(c10, f32x4.mul(s, b0));
    c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(at + r2);
    c20 = f32x4.add(c20, f32x4.mul(s, b0));
    c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(at + r3);
    c30 = f32x4.add(c30, f32x4.mul(s, b0));
    c31 = f32x4.add(c31, f32x4.mul(s, b1));
    offs += 4;
    b += PANEL_ROW;
  }
  storeTile(c, cRow, rows, cols, add, fin, o, c00, c01, c10, c11, c20, c21, c30, c31);
}

/** tileTaps where the taps lie next to each other (undilated columns): fh runs of `run` floats,
 *  runStep bytes apart, read without a table. */
export function tileRuns(fh: i32, run: i32, runStep: usize, a: usize, r1: usize, r2: usize,
                         r3: usize, b: usize, c: usize, cRow: usize, rows: i32, cols: i32,
                         add: bool, fin: bool, o: usize): void {
  runsTile(fh, run, runStep, a, r1, r2, r3, b, c, cRow, rows, cols, add, fin, o);
}

/** `count` whole tiles of one output row: cells cellStep bytes apart from the window origin a,
 *  their sums at c, four rows of cRow bytes a tile (tileRuns' other operands). One call for the
 *  row's tiles, where a call a tile cost its caller the reloads of its values (V8's calls keep
 *  no register). */
export function rowTiles(count: i32, fh: i32, run: i32, runStep: usize, a: usize,
                         cellStep: usize, b: usize, c: usize, cRow: usize, cols: i32, add: bool,
                         fin: bool, o: usize): void {
  const r1 = cellStep, r2 = cellStep << 1, r3 = cellStep * 3;
  const aStep = cellStep << 2, cStep = cRow << 2;
  for (let t = 0; t < count; t++, a += aStep, c += cStep) {
    runsTile(fh, run, runStep, a, r1, r2, r3, b, c, cRow, 4, cols, add, fin, o);
  }
}

/** tileRuns' body. */
// @ts-ignore: decorator
@inline
function runsTile(fh: i32, run: i32, runStep: usize, a: usize, r1: usize, r2: usize, r3: usize,
                  b: usize, c: usize, cRow: usize, rows: i32, cols: i32, add: bool, fin: bool,
                  o: usize): void {
  const runBytes = <usize>run << 5;
  // A pointer for each cell and B's pointer as the count, as in gemm.ts's tile; the first tap
  // sets the sums (fh, run >= 1).
  let a0 = a, a1 = a + r1, a2 = a + r2, a3 = a + r3;
  let end = b + runBytes;
  let b0 = v128.load(b);
  let b1 = v128.load(b, 16);
  let s = v128.load32_splat(a0);
  let c00 = f32x4.mul(s, b0), c01 = f32x4.mul(s, b1);
  s = v128.load32_splat(a1);
  let c10 = f32x4.mul(s, b0), c11 = f32x4.mul(s, b1);
  s = v128.load32_splat(a2);
  let c20 = f32x4.mul(s, b0), c21 = f32x4.mul(s, b1);
  s = v128.load32_splat(a3);
  let c30 = f32x4.mul(s, b0), c31 = f32x4.mul(s, b1);
  a0 += 4;
  a1 += 4;
  a2 += 4;
  a3 += 4;
  b += PANEL_ROW;
  for (let wR = 0; ;) {
    while (b < end) {
      b0 = v128.load(b);
      b1 = v128.load(b, 16);
      s = v128.load32_splat(a0);
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
      a0 += 4;
      a1 += 4;
      a2 += 4;
      a3 += 4;
      b += PANEL_ROW;
    }
    if (++wR == fh) break;
    a0 = a + <usize>wR * runStep;
    a1 = a0 + r1;
    a2 = a0 + r2;
    a3 = a0 + r3;
    end = b + runBytes;
  }
  storeTile(c, cRow, rows, cols, add, fin, o, c00, c01, c10, c11, c20, c21, c30, c31);
}
