// The windowing both reference ops share: every (output cell, window tap) pair, with the input
// cell it reads, in row-major window order. Out-of-range input cells are skipped: they read as 0
// for convolution and never win for max pooling.

import {ConvGeometry, layoutStrides} from '../geometry';

/** Flat offsets into y (or dy), x (or dx) and, for convolution, W (or dW). */
export type TapVisitor = (yi: number, xi: number, wi: number) => void;

/** Calls `visit` once per product of the convolution sum
 *  y[b,yR,yC,d2] = Σ_{wR,wC,d1 ∈ group(d2)} x[b, yR*sH - padTop + wR*dlH, yC*sW - padLeft + wC*dlW, d1] · W[wR,wC,d1 - group start,d2]. */
export function forEachConvTap(g: ConvGeometry, visit: TapVisitor): void {
  const xs = layoutStrides(g.inHeight, g.inWidth, g.inChannels, g.dataFormat);
  const ys = layoutStrides(g.outHeight, g.outWidth, g.outChannels, g.dataFormat);
  const cg = g.inChannelsPerGroup;
  const outC = g.outChannels;
  for (let b = 0; b < g.batchSize; b++) {
    for (let yR = 0; yR < g.outHeight; yR++) {
      for (let yC = 0; yC < g.outWidth; yC++) {
        for (let d2 = 0; d2 < outC; d2++) {
          const yi = b * ys.b + yR * ys.r + yC * ys.c + d2 * ys.d;
          const d1Start = Math.floor(d2 / g.outChannelsPerGroup) * cg;
          for (let wR = 0; wR < g.filterHeight; wR++) {
            const xR = yR * g.strideHeight - g.padInfo.top + wR * g.dilationHeight;
            if (xR < 0 || xR >= g.inHeight) continue;
            for (let wC = 0; wC < g.filterWidth; wC++) {
              const xC = yC * g.strideWidth - g.padInfo.left + wC * g.dilationWidth;
              if (xC < 0 || xC >= g.inWidth) continue;
              for (let k = 0; k < cg; k++) {
                const xi = b * xs.b + xR * xs.r + xC * xs.c + (d1Start + k) * xs.d;
                const wi = ((wR * g.filterWidth + wC) * cg + k) * outC + d2;
                visit(yi, xi, wi);
              }
            }
          }
        }
      }
    }
  }
}

/** Calls `visit(yi, xi, tap)` for every in-range cell of every pooling window, in row-major
 *  window order; tap = wR * filterWidth + wC. */
export function forEachPoolTap(
    g: ConvGeometry, visit: (yi: number, xi: number, tap: number) => void): void {
  const xs = layoutStrides(g.inHeight, g.inWidth, g.inChannels, g.dataFormat);
  const ys = layoutStrides(g.outHeight, g.outWidth, g.outChannels, g.dataFormat);
  for (let b = 0; b < g.batchSize; b++) {
    for (let yR = 0; yR < g.outHeight; yR++) {
      for (let yC = 0; yC < g.outWidth; yC++) {
        for (let d = 0; d < g.outChannels; d++) {
          const yi = b * ys.b + yR * ys.r + yC * ys.c + d * ys.d;
          for (let wR = 0; wR < g.filterHeight; wR++) {
            const xR = yR * g.strideHeight - g.padInfo.top + wR * g.dilationHeight;
            if (xR < 0 || xR >= g.inHeight) continue;
            for (let wC = 0; wC < g.filterWidth; wC++) {
              const xC = yC * g.strideWidth - g.padInfo.left + wC * g.dilationWidth;
              if (xC < 0 || xC >= g.inWidth) continue;
              visit(yi, b * xs.b + xR * xs.r + xC * xs.c + d * xs.d, wR * g.filterWidth + wC);
            }
          }
        }
      }
    }
  }
}

/** Flat offset of the input cell at window index `tap` of output cell (b, yR, yC, d). */
export function poolTapOffset(
    g: ConvGeometry, b: number, yR: number, yC: number, d: number, tap: number): number {
  const xs = layoutStrides(g.inHeight, g.inWidth, g.inChannels, g.dataFormat);
  const wR = Math.floor(tap / g.filterWidth);
  const wC = tap - wR * g.filterWidth;
  const xR = yR * g.strideHeight - g.padInfo.top + wR * g.dilationHeight;
  const xC = yC * g.strideWidth - g.padInfo.left + wC * g.dilationWidth;
  return b * xs.b + xR * xs.r + xC * xs.c + d * xs.d;
}
