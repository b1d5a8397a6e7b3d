// The filter gradient without im2col, for a filter of few input channels (below
// ROWS_MAX_CHANNELS of kernels/simd/conv.ts, above few.ts's FEW_MAX_CHANNELS): im2col would copy
// each window row as a short run, and the copies, not the products, would bound the kernel.
// Instead the image is copied once into a zeroed padded image (padImage, which the forward by
// taps of taps.ts and few.ts's filter gradient also use), and for output row yR and filter row wR
// the forward's A, whose row yC is the fw * C floats at padded cell (yR * sH + wR * dH, yC * sW)
// (next to each other when the window's columns are not dilated), is read in place, transposed.

import {gemm, packB} from './gemm';

/** Zeroes the padded image (ph × pw × c floats at xp) and copies the image (h × w × c at x) into
 *  it with its first cell at (top, left); cells of x beyond the padded image are not needed. */
export function padImage(x: usize, h: i32, w: i32, c: i32, xp: usize, ph: i32, pw: i32, top: i32,
                         left: i32): void {
  const cellBytes = <usize>c << 2;
  memory.fill(xp, 0, <usize>ph * <usize>pw * cellBytes);
  const c0 = max<i32>(0, -left);
  const c1 = min<i32>(w, pw - left);
  if (c1 <= c0) return;
  const runBytes = <usize>(c1 - c0) * cellBytes;
  for (let r = max<i32>(0, -top); r < h; r++) {
    const pr = r + top;
    if (pr >= ph) break;
    memory.copy(xp + <usize>(pr * pw + c0 + left) * cellBytes,
                x + <usize>(r * w + c0) * cellBytes, runBytes);
  }
}

/** acc (fh × fw × c × n, the filter's layout) += the filter gradient of one image, by rows: for
 *  output row yR and filter row wR, the block of rows wR of dW gains Aᵀ · dy[yR], where A is the
 *  forward's A (read transposed: its rows are the taps (wC, c), next to each other in the padded
 *  image) and dy[yR] (outW × n) is packed once per output row. */
export function filterGradRows(xp: usize, pw: i32, c: i32, outH: i32, outW: i32, fh: i32, fw: i32,
                               sH: i32, sW: i32, dH: i32, dy: usize, n: i32, packDy: usize,
                               acc: usize): void {
  const k = fw * c;
  const rowBytes = <usize>(pw * c) << 2;
  const aColStride = <usize>(sW * c) << 2;
  const dyRowBytes = <usize>(outW * n) << 2;
  const blockBytes = <usize>(k * n) << 2;
  for (let yR = 0; yR < outH; yR++) {
    packB(dy + <usize>yR * dyRowBytes, <usize>n << 2, 4, outW, n, packDy);
    for (let wR = 0; wR < fh; wR++) {
      gemm(k, n, outW, xp + <usize>(yR * sH + wR * dH) * rowBytes, 4, aColStride, packDy,
           acc + <usize>wR * blockBytes, n, 1, 0);
    }
  }
}
