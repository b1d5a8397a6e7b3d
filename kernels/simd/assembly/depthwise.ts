// Depthwise convolution: the grouped convolution with one input channel per group, NHWC. Output
// channel o reads input channel o (the multiplier M is 1 here: kernels/simd/depthwise.ts lays
// out x with each channel repeated M times, and pads the channels to whole blocks of four, so
// that every operand below has c floats a cell, c a multiple of 4). Filter W[a, b, o] (taps
// row-major, c floats a tap). Along one axis, with stride s, dilation d and padding p, output
// index i reads input index i*s - p + a*d (geometry.ts, (1)):
//
//   forward          y[i, j, o] = Σ_{a, b} x[i*sH - pT + a*dH, j*sW - pL + b*dW, o] · W[a, b, o]
//   input gradient  dx[i, j, o] = Σ_{a, b} dy[(i + pT - a*dH) / sH, (j + pL - b*dW) / sW, o]
//                                          · W[a, b, o]      (where both quotients are integers)
//   filter gradient dW[a, b, o] = Σ_{i, j} x[i*sH - pT + a*dH, j*sW - pL + b*dW, o] · dy[i, j, o]
//
// where only the taps inside the source are summed: none reads a padding, so nothing is copied
// into a padded image and a non-finite operand never meets a materialised zero (these kernels
// need no finiteness guard, kernels/cpu/guards.ts). The forward and the input gradient are the
// same gather (depthwiseGather): per destination index along an axis, the filter indices that
// reach a source index form an arithmetic progression (depthwiseAxis), so a destination cell
// sums a rectangle of such taps, and destination cells whose progressions agree are computed
// four at a time. Every product is vectorised over channels, four per v128.

import {
  biasActivation,
  finishAlpha,
  finishBias,
  finishHasBias,
  finishKind,
  finishPrelu,
} from './epilogue';
import {EDGE} from './gemm';

/** Bytes of one axis entry of depthwiseAxis's table: three i32. */
const ENTRY: usize = 12;

/** Writes, for each destination index i < count along one axis, the filter indices that reach a
 *  source index inside [0, srcSize): the first one a0, their count n and a0's source index, as
 *  three i32 at table + i * 12. Forward (transposed = 0) the source of filter index a is
 *  i*s - pad + a*d: the valid a are consecutive, their sources d apart. For the input gradient
 *  (transposed = 1) it is (i + pad - a*d) / s where that is an integer: the valid a are
 *  s / gcd(s, d) apart (the solutions of a*d ≡ i + pad mod s), their sources d / gcd(s, d)
 *  apart, downwards. The caller passes these steps to the kernels. */
export function depthwiseAxis(table: usize, count: i32, srcSize: i32, f: i32, s: i32, d: i32,
                              pad: i32, transposed: i32): void {
  for (let i = 0; i < count; i++, table += ENTRY) {
    let a0 = 0, n = 0, src0 = 0;
    for (let a = 0; a < f; a++) {
      let src = i * s - pad + a * d;
      if (transposed != 0) {
        const t = i + pad - a * d;
        if (t % s != 0) continue;
        src = t / s;
      }
      if (src < 0 || src >= srcSize) continue;
      if (n++ == 0) {
        a0 = a;
        src0 = src;
      }
    }
    store<i32>(table, a0);
    store<i32>(table, n, 4);
    store<i32>(table, src0, 8);
  }
}

/** Whether entries e + period, e + 2 * period and e + 3 * period (entryStep = period * 12 bytes
 *  apart) have the filter indices of entry e, their sources srcPer apart from one to the next. */
// @ts-ignore: decorator
@inline
function sameTaps(e: usize, entryStep: usize, a0: i32, n: i32, src0: i32, srcPer: i32): bool {
  for (let k = 1; k < 4; k++) {
    const f = e + entryStep * k;
    if (load<i32>(f) != a0 || load<i32>(f, 4) != n || load<i32>(f, 8) != src0 + k * srcPer) {
      return false;
    }
  }
  return true;
}

/** dst (dstW cells a row of c floats) rows [r0, r1) = the gather of src (srcW cells a row): cell
 *  (i, j) = Σ_{k < nr, l < nc} src[sr + k*rowSrcStep, sc + l*colSrcStep] ⊙ W[(ar + k*rowAStep)
 *  * fw + ac + l*colAStep], (ar, nr, sr) the entry i of the rows table and (ac, nc, sc) the entry
 *  j of the columns table (depthwiseAxis). A cell that no tap reaches is 0.
 *
 *  Columns j and j + period share their filter indices (forward: period 1; input gradient: the
 *  column stride) when both lie inside, their sources then srcPer apart (forward: the stride;
 *  input gradient: 1); so each row is taken by phase (j = φ, φ + period, ...), four such columns
 *  at a time where they share their taps (depthwiseTile4, or depthwiseTile4By3 for 3 × 3 of
 *  them), one at a time at the edges. Where finish is 1, each row is finished (the forward's
 *  epilogue, epilogue.ts, set by finishWith) as soon as it is made. */
export function depthwiseGather(src: usize, srcW: i32, c: i32, filt: usize, fw: i32, dst: usize,
                                dstW: i32, r0: i32, r1: i32, rows: usize, cols: usize,
                                rowAStep: i32, rowSrcStep: i32, colAStep: i32, colSrcStep: i32,
                                period: i32, srcPer: i32, finish: i32): void {
  const cellBytes = <usize>c << 2;
  const srcRow = <usize>srcW * cellBytes;
  const dstRow = <usize>dstW * cellBytes;
  // Byte steps between the taps (k, l) and (k + 1, l), (k, l + 1), in the source and in W; the
  // source's may be negative (the input gradient's), and wrap as addresses do.
  const kSrc = <usize>rowSrcStep * srcRow;
  const kF = <usize>(rowAStep * fw) * cellBytes;
  const lSrc = <usize>colSrcStep * cellBytes;
  const lF = <usize>colAStep * cellBytes;
  const tileSrc = <usize>srcPer * cellBytes;
  const tileDst = <usize>period * cellBytes;
  const entryStep = <usize>period * ENTRY;
  let ready = -1;
  for (let i = r0; i < r1; i++) {
    const row = rows + <usize>i * ENTRY;
    const ar = load<i32>(row), nr = load<i32>(row, 4), sr = load<i32>(row, 8);
    // The source rows of this destination row and the row itself, read through once in order
    // (touchRows) before the tiles gather from them and write it: the tiles' many interleaved
    // streams then hit the cache. (At batch 8, where x and y leave the cache, this took
    // x[8,112,112,96] at stride 2 from 6.6 to 4.0 ms, x[8,56,56,144] from 5.1 to 4.6 ms.)
    if (nr > 0) {
      const last = max<i32>(sr, sr + (nr - 1) * rowSrcStep);
      const first = max<i32>(ready + 1, min<i32>(sr, sr + (nr - 1) * rowSrcStep));
      if (last >= first) touchRows(src + <usize>first * srcRow, <usize>(last - first + 1) * srcRow);
      ready = max<i32>(ready, last);
    }
    const out = dst + <usize>i * dstRow;
    touchRows(out, dstRow);
    if (nr == 0) {
      memory.fill(out, 0, dstRow);
    } else {
      const srcAt = src + <usize>sr * srcRow;
      const fAt = filt + <usize>(ar * fw) * cellBytes;
      for (let phase = 0; phase < period; phase++) {
        let j = phase;
        while (j < dstW) {
          const e = cols + <usize>j * ENTRY;
          const ac = load<i32>(e), nc = load<i32>(e, 4), sc = load<i32>(e, 8);
          const cell = out + <usize>j * cellBytes;
          if (nc == 0) {
            memory.fill(cell, 0, cellBytes);
            j += period;
            continue;
          }
          const at = srcAt + <usize>sc * cellBytes;
          const f = fAt + <usize>ac * cellBytes;
          if (j + 3 * period < dstW && sameTaps(e, entryStep, ac, nc, sc, srcPer)) {
            if (nr == 3 && nc == 3) {
              depthwiseTile4By3(at, tileSrc, kSrc, lSrc, f, kF, lF, c, cell, tileDst);
            } else {
              depthwiseTile4(at, tileSrc, nr, kSrc, nc, lSrc, f, kF, lF, c, cell, tileDst);
            }
            j += 4 * period;
          } else {
            depthwiseCell(at, nr, kSrc, nc, lSrc, f, kF, lF, c, cell);
            j += period;
          }
        }
      }
    }
    // The row finished once made, while it is in cache. (Finished in the tiles' registers as
    // they store, the epilogue's operands made V8 spill the accumulators of the unrolled tile:
    // 2.5x this pass's cost.)
    if (finish != 0) {
      biasActivation(out, dstW, c, finishHasBias ? 1 : 0, finishBias, finishKind, finishAlpha,
                     finishPrelu);
    }
  }
}

/** What touchRows reads, kept so that its reads are not optimised away. */
let touched: i32 = 0;

/** Reads one value in every 64 bytes of [at, at + bytes), in order: a pass that the hardware
 *  prefetcher follows at full speed, which leaves the bytes in cache for the gather. */
function touchRows(at: usize, bytes: usize): void {
  let seen = 0;
  for (let o: usize = 0; o < bytes; o += 64) seen |= load<i32>(at + o);
  touched |= seen;
}

/** Four destination cells (out, out + outStep, ...) of the gather, whose taps' sources are at
 *  at, at + step, at + 2 * step, at + 3 * step (tap (k, l) kSrc * k + lSrc * l further, its
 *  weights at f + kF * k + lF * l): two channel blocks at a time, eight accumulators, each tap's
 *  two weight vectors loaded once for the four cells. */
export function depthwiseTile4(at: usize, step: usize, nr: i32, kSrc: usize, nc: i32, lSrc: usize,
                               f: usize, kF: usize, lF: usize, c: i32, out: usize,
                               outStep: usize): void {
  const step2 = step << 1, step3 = step * 3;
  const end = <usize>c << 2;
  let o: usize = 0;
  for (; o + 32 <= end; o += 32) {
    let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
    let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
    let pk = at + o, fk = f + o;
    for (let k = 0; k < nr; k++, pk += kSrc, fk += kF) {
      let p = pk, w = fk;
      for (let l = 0; l < nc; l++, p += lSrc, w += lF) {
        const w0 = v128.load(w), w1 = v128.load(w, 16);
        a00 = f32x4.add(a00, f32x4.mul(v128.load(p), w0));
        a01 = f32x4.add(a01, f32x4.mul(v128.load(p, 16), w1));
        a10 = f32x4.add(a10, f32x4.mul(v128.load(p + step), w0));
        a11 = f32x4.add(a11, f32x4.mul(v128.load(p + step, 16), w1));
        a20 = f32x4.add(a20, f32x4.mul(v128.load(p + step2), w0));
        a21 = f32x4.add(a21, f32x4.mul(v128.load(p + step2, 16), w1));
        a30 = f32x4.add(a30, f32x4.mul(v128.load(p + step3), w0));
        a31 = f32x4.add(a31, f32x4.mul(v128.load(p + step3, 16), w1));
      }
    }
    const q = out + o;
    v128.store(q, a00);
    v128.store(q, a01, 16);
    v128.store(q + outStep, a10);
    v128.store(q + outStep, a11, 16);
    v128.store(q + (outStep << 1), a20);
    v128.store(q + (outStep << 1), a21, 16);
    v128.store(q + outStep * 3, a30);
    v128.store(q + outStep * 3, a31, 16);
  }
  if (o < end) {
    // The last lone block of four channels.
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let pk = at + o, fk = f + o;
    for (let k = 0; k < nr; k++, pk += kSrc, fk += kF) {
      let p = pk, w = fk;
      for (let l = 0; l < nc; l++, p += lSrc, w += lF) {
        const w0 = v128.load(w);
        a0 = f32x4.add(a0, f32x4.mul(v128.load(p), w0));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(p + step), w0));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(p + step2), w0));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(p + step3), w0));
      }
    }
    const q = out + o;
    v128.store(q, a0);
    v128.store(q + outStep, a1);
    v128.store(q + (outStep << 1), a2);
    v128.store(q + outStep * 3, a3);
  }
}

/** depthwiseTile4 where the cells sum 3 × 3 taps (a 3 × 3 filter's interior: every depthwise
 *  layer of the MobileNets), the taps written out: 1.2-1.4x the looped tile's speed on
 *  MobileNetV2's layers. */
export function depthwiseTile4By3(at: usize, step: usize, kSrc: usize, lSrc: usize, f: usize,
                                  kF: usize, lF: usize, c: i32, out: usize, outStep: usize): void {
  const step2 = step << 1, step3 = step * 3;
  const end = <usize>c << 2;
  let o: usize = 0;
  for (; o + 32 <= end; o += 32) {
    let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
    let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
    let pk = at + o, fk = f + o;
    for (let k = 0; k < 3; k++, pk += kSrc, fk += kF) {
      // The row's three taps, written out.
      let p = pk, w = fk;
      let w0 = v128.load(w), w1 = v128.load(w, 16);
      a00 = f32x4.add(a00, f32x4.mul(v128.load(p), w0));
      a01 = f32x4.add(a01, f32x4.mul(v128.load(p, 16), w1));
      a10 = f32x4.add(a10, f32x4.mul(v128.load(p + step), w0));
      a11 = f32x4.add(a11, f32x4.mul(v128.load(p + step, 16), w1));
      a20 = f32x4.add(a20, f32x4.mul(v128.load(p + step2), w0));
      a21 = f32x4.add(a21, f32x4.mul(v128.load(p + step2, 16), w1));
      a30 = f32x4.add(a30, f32x4.mul(v128.load(p + step3), w0));
      a31 = f32x4.add(a31, f32x4.mul(v128.load(p + step3, 16), w1));
      p += lSrc; w += lF;
      w0 = v128.load(w); w1 = v128.load(w, 16);
      a00 = f32x4.add(a00, f32x4.mul(v128.load(p), w0));
      a01 = f32x4.add(a01, f32x4.mul(v128.load(p, 16), w1));
      a10 = f32x4.add(a10, f32x4.mul(v128.load(p + step), w0));
      a11 = f32x4.add(a11, f32x4.mul(v128.load(p + step, 16), w1));
      a20 = f32x4.add(a20, f32x4.mul(v128.load(p + step2), w0));
      a21 = f32x4.add(a21, f32x4.mul(v128.load(p + step2, 16), w1));
      a30 = f32x4.add(a30, f32x4.mul(v128.load(p + step3), w0));
      a31 = f32x4.add(a31, f32x4.mul(v128.load(p + step3, 16), w1));
      p += lSrc; w += lF;
      w0 = v128.load(w); w1 = v128.load(w, 16);
      a00 = f32x4.add(a00, f32x4.mul(v128.load(p), w0));
      a01 = f32x4.add(a01, f32x4.mul(v128.load(p, 16), w1));
      a10 = f32x4.add(a10, f32x4.mul(v128.load(p + step), w0));
      a11 = f32x4.add(a11, f32x4.mul(v128.load(p + step, 16), w1));
      a20 = f32x4.add(a20, f32x4.mul(v128.load(p + step2), w0));
      a21 = f32x4.add(a21, f32x4.mul(v128.load(p + step2, 16), w1));
      a30 = f32x4.add(a30, f32x4.mul(v128.load(p + step3), w0));
      a31 = f32x4.add(a31, f32x4.mul(v128.load(p + step3, 16), w1));
    }
    const q = out + o;
    v128.store(q, a00);
    v128.store(q, a01, 16);
    v128.store(q + outStep, a10);
    v128.store(q + outStep, a11, 16);
    v128.store(q + (outStep << 1), a20);
    v128.store(q + (outStep << 1), a21, 16);
    v128.store(q + outStep * 3, a30);
    v128.store(q + outStep * 3, a31, 16);
  }
  // The last lone block of four channels, as depthwiseTile4 takes it.
  if (o < end) depthwiseTile4(at + o, step, 3, kSrc, 3, lSrc, f + o, kF, lF, 4, out + o, outStep);
}

/** One destination cell of the gather (depthwiseTile4's arguments for one cell): four channel
 *  blocks at a time, then the blocks left one by one. */
export function depthwiseCell(at: usize, nr: i32, kSrc: usize, nc: i32, lSrc: usize, f: usize,
                              kF: usize, lF: usize, c: i32, out: usize): void {
  const end = <usize>c << 2;
  let o: usize = 0;
  for (; o + 64 <= end; o += 64) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let pk = at + o, fk = f + o;
    for (let k = 0; k < nr; k++, pk += kSrc, fk += kF) {
      let p = pk, w = fk;
      for (let l = 0; l < nc; l++, p += lSrc, w += lF) {
        a0 = f32x4.add(a0, f32x4.mul(v128.load(p), v128.load(w)));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(p, 16), v128.load(w, 16)));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(p, 32), v128.load(w, 32)));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(p, 48), v128.load(w, 48)));
      }
    }
    v128.store(out + o, a0);
    v128.store(out + o, a1, 16);
    v128.store(out + o, a2, 32);
    v128.store(out + o, a3, 48);
  }
  for (; o < end; o += 16) {
    let a = f32x4.splat(0);
    let pk = at + o, fk = f + o;
    for (let k = 0; k < nr; k++, pk += kSrc, fk += kF) {
      let p = pk, w = fk;
      for (let l = 0; l < nc; l++, p += lSrc, w += lF) {
        a = f32x4.add(a, f32x4.mul(v128.load(p), v128.load(w)));
      }
    }
    v128.store(out + o, a);
  }
}

/** ceil(a / b) for b > 0 and any a. */
// @ts-ignore: decorator
@inline
function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/** acc (one row of c floats per tap (a, b), fh * fw rows) += the filter gradient of one image's
 *  output rows [r0, r1): x (inW cells a row of c floats), dy (outW cells a row), rows the
 *  forward's rows table (depthwiseAxis: output row i reads x rows sr + k*dH through the filter
 *  rows ar + k, k < nr). Tap column b reads x inside for the output columns [j0(b), j1(b)),
 *  whatever the tap's row: so the taps of one column, up to four at a time, are summed together
 *  over those output columns (depthwiseTapSums1 to 4), two channel blocks at a time. Consecutive
 *  rows with the same filter rows run as one band of up to `band` rows. */
export function depthwiseFilterGrad(x: usize, inW: i32, c: i32, dy: usize, outW: i32, r0: i32,
                                    r1: i32, rows: usize, fw: i32, sH: i32, sW: i32, dH: i32,
                                    dW: i32, pL: i32, band: i32, acc: usize): void {
  const cellBytes = <usize>c << 2;
  const xRow = <usize>inW * cellBytes;
  const dyRow = <usize>outW * cellBytes;
  const xStep = <usize>sW * cellBytes;
  const kStep = <usize>dH * xRow;
  let i = r0;
  while (i < r1) {
    const row = rows + <usize>i * ENTRY;
    const ar = load<i32>(row), nr = load<i32>(row, 4), sr = load<i32>(row, 8);
    // The band: the rows after i with the same filter rows (and so x rows sH further each).
    let h = 1;
    while (h < band && i + h < r1 && load<i32>(row + <usize>h * ENTRY) == ar &&
           load<i32>(row + <usize>h * ENTRY, 4) == nr) {
      h++;
    }
    for (let b = 0; b < fw; b++) {
      const j0 = max<i32>(0, ceilDiv(pL - b * dW, sW));
      const j1 = min<i32>(outW, ceilDiv(inW + pL - b * dW, sW));
      if (j1 <= j0) continue;
      // Output column j0's tap (k, b) on x row sr + k*dH, column j0*sW - pL + b*dW.
      const origin = x + <usize>sr * xRow + <usize>(j0 * sW - pL + b * dW) * cellBytes;
      const dyAt = dy + <usize>i * dyRow + <usize>j0 * cellBytes;
      for (let k0 = 0; k0 < nr; k0 += 4) {
        const count = min<i32>(4, nr - k0);
        const at = origin + <usize>k0 * kStep;
        const accAt = acc + <usize>((ar + k0) * fw + b) * cellBytes;
        for (let o: usize = 0; o < cellBytes; o += 32) {
          const second: usize = o + 32 <= cellBytes ? 16 : 0;
          const xa = at + o, d = dyAt + o;
          if (count == 4) {
            depthwiseTapSums4(xa, sH, xRow, xStep, h, j1 - j0, kStep, d, dyRow, cellBytes, second);
          } else if (count == 3) {
            depthwiseTapSums3(xa, sH, xRow, xStep, h, j1 - j0, kStep, d, dyRow, cellBytes, second);
          } else if (count == 2) {
            depthwiseTapSums2(xa, sH, xRow, xStep, h, j1 - j0, kStep, d, dyRow, cellBytes, second);
          } else {
            depthwiseTapSums1(xa, sH, xRow, xStep, h, j1 - j0, kStep, d, dyRow, cellBytes, second);
          }
          // The sums, tap by tap in the edge tile, into the taps' rows of acc (fw rows apart).
          for (let t = 0; t < count; t++) {
            const a = accAt + <usize>(t * fw) * cellBytes + o;
            const e = EDGE + (<usize>t << 5);
            v128.store(a, f32x4.add(v128.load(a), v128.load(e)));
            if (second != 0) v128.store(a, f32x4.add(v128.load(a, 16), v128.load(e, 16)), 16);
          }
        }
      }
    }
    i += h;
  }
}

/** The sums of `taps` taps of one filter column (x rows kStep bytes apart) by two channel
 *  blocks over rows × cols output cells, left in the edge tile (two v128 a tap): x at xa (sH
 *  rows of xRow bytes to the next output row, xStep to the next output column) times dy's
 *  blocks at d and d + second (dyRow bytes a row, cellBytes a cell). A lone block passes
 *  second = 0, and its second sums are dropped. `taps` is a constant of each caller, so that the
 *  accumulators left unused fold away. */
// @ts-ignore: decorator
@inline
function tapSumsOf(taps: i32, xa: usize, sH: i32, xRow: usize, xStep: usize, rows: i32, cols: i32,
                   kStep: usize, d: usize, dyRow: usize, cellBytes: usize, second: usize): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  const k2 = kStep << 1, k3 = kStep * 3;
  for (let r = 0; r < rows; r++) {
    let p = xa + <usize>(r * sH) * xRow;
    let q = d + <usize>r * dyRow;
    for (let j = 0; j < cols; j++, p += xStep, q += cellBytes) {
      const d0 = v128.load(q), d1 = v128.load(q + second);
      s00 = f32x4.add(s00, f32x4.mul(v128.load(p), d0));
      s01 = f32x4.add(s01, f32x4.mul(v128.load(p + second), d1));
      if (taps > 1) {
        s10 = f32x4.add(s10, f32x4.mul(v128.load(p + kStep), d0));
        s11 = f32x4.add(s11, f32x4.mul(v128.load(p + kStep + second), d1));
      }
      if (taps > 2) {
        s20 = f32x4.add(s20, f32x4.mul(v128.load(p + k2), d0));
        s21 = f32x4.add(s21, f32x4.mul(v128.load(p + k2 + second), d1));
      }
      if (taps > 3) {
        s30 = f32x4.add(s30, f32x4.mul(v128.load(p + k3), d0));
        s31 = f32x4.add(s31, f32x4.mul(v128.load(p + k3 + second), d1));
      }
    }
  }
  v128.store(EDGE, s00);
  v128.store(EDGE, s01, 16);
  if (taps > 1) {
    v128.store(EDGE, s10, 32);
    v128.store(EDGE, s11, 48);
  }
  if (taps > 2) {
    v128.store(EDGE, s20, 64);
    v128.store(EDGE, s21, 80);
  }
  if (taps > 3) {
    v128.store(EDGE, s30, 96);
    v128.store(EDGE, s31, 112);
  }
}

export function depthwiseTapSums4(xa: usize, sH: i32, xRow: usize, xStep: usize, rows: i32,
                                  cols: i32, kStep: usize, d: usize, dyRow: usize,
                                  cellBytes: usize, second: usize): void {
  tapSumsOf(4, xa, sH, xRow, xStep, rows, cols, kStep, d, dyRow, cellBytes, second);
}

export function depthwiseTapSums3(xa: usize, sH: i32, xRow: usize, xStep: usize, rows: i32,
                                  cols: i32, kStep: usize, d: usize, dyRow: usize,
                                  cellBytes: usize, second: usize): void {
  tapSumsOf(3, xa, sH, xRow, xStep, rows, cols, kStep, d, dyRow, cellBytes, second);
}

export function depthwiseTapSums2(xa: usize, sH: i32, xRow: usize, xStep: usize, rows: i32,
                                  cols: i32, kStep: usize, d: usize, dyRow: usize,
                                  cellBytes: usize, second: usize): void {
  tapSumsOf(2, xa, sH, xRow, xStep, rows, cols, kStep, d, dyRow, cellBytes, second);
}

export function depthwiseTapSums1(xa: usize, sH: i32, xRow: usize, xStep: usize, rows: i32,
                                  cols: i32, kStep: usize, d: usize, dyRow: usize,
                                  cellBytes: usize, second: usize): void {
  tapSumsOf(1, xa, sH, xRow, xStep, rows, cols, kStep, d, dyRow, cellBytes, second);
}

/** dst (cells of dstC floats) from src (cells of srcC floats), each channel repeated m times:
 *  dst[cell, o] = src[cell, o / m] for o < srcC * m, and 0 for the channels past that. x of a
 *  channel multiplier m, and any operand whose channels are not whole blocks of four, are
 *  laid out so for the kernels above. */
export function depthwiseSpread(src: usize, cells: i32, srcC: i32, m: i32, dst: usize,
                                dstC: i32): void {
  const used = srcC * m;
  for (let cell = 0; cell < cells; cell++) {
    const s = src + (<usize>(cell * srcC) << 2);
    const d = dst + (<usize>(cell * dstC) << 2);
    if (m == 1) {
      memory.copy(d, s, <usize>srcC << 2);
    } else {
      for (let o = 0; o < used; o++) {
        store<f32>(d + (<usize>o << 2), load<f32>(s + (<usize>(o / m) << 2)));
      }
    }
    if (dstC > used) memory.fill(d + (<usize>used << 2), 0, <usize>(dstC - used) << 2);
  }
}

/** dst (cells of dstC floats) = src (cells of srcC floats) summed over groups of m channels:
 *  dst[cell, d] = Σ_{q < m} src[cell, d*m + q], channels past dstC * m dropped. The input
 *  gradient of a multiplier m (m = 1: the channels' padding dropped from y, dx and dW). dst may
 *  be src: each value is read before the write that could cover it. */
export function depthwiseReduce(src: usize, cells: i32, srcC: i32, m: i32, dst: usize,
                                dstC: i32): void {
  for (let cell = 0; cell < cells; cell++) {
    const s = src + (<usize>(cell * srcC) << 2);
    const d = dst + (<usize>(cell * dstC) << 2);
    for (let o = 0; o < dstC; o++) {
      let sum = load<f32>(s + (<usize>(o * m) << 2));
      for (let q = 1; q < m; q++) sum += load<f32>(s + (<usize>(o * m + q) << 2));
      store<f32>(d + (<usize>o << 2), sum);
    }
  }
}
