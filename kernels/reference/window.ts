// The windowing both reference ops share: every (output cell, window tap) pair, with the input
// cell it reads, in row-major window order. Out-of-range input cells are skipped: they read as 0
// for convolution and never win for max pooling.

import {ConvGeometry, layoutStrides} from '../geometry';

/** Flat offsets into y (or dy), x (or dx) and, for convolution, W (or dW). */
export type TapVisitor = (yi: number, xi: number, wi: number) => void;

/** Calls `visit` for every output cell (b, yR, yC, d), with its flat offset yi. */
export function forEachOutputCell(
  g: ConvGeometry,
  visit: (yi: number, b: number, yR: number, yC: number, d: number) => void,
): void {
  const ys = layoutStrides(g.outHeight, g.outWidth, g.outChannels, g.dataFormat);
  for (let b = 0; b < g.batchSize; b++) {
    for (let yR = 0; yR < g.outHeight; yR++) {
      for (let yC = 0; yC < g.outWidth; yC++) {
        for (let d = 0; d < g.outChannels; d++)
          visit(b * ys.b + yR * ys.r + yC * ys.c + d * ys.d, b, yR, yC, d);
      }
    }
  }
}

/** Calls `visit(xi, tap)` for every in-range input cell of the window of output (yR, yC), in
 *  row-major window order; xi is the offset of the cell's (b, channel 0), tap = wR * fw + wC. */
function forEachWindowCell(
  g: ConvGeometry,
  b: number,
  yR: number,
  yC: number,
  visit: (xi: number, tap: number) => void,
): void {
  const xs = layoutStrides(g.inHeight, g.inWidth, g.inChannels, g.dataFormat);
  for (let wR = 0; wR < g.filterHeight; wR++) {
    const xR = yR * g.strideHeight - g.padInfo.top + wR * g.dilationHeight;
    if (xR < 0 || xR >= g.inHeight) continue;
    for (let wC = 0; wC < g.filterWidth; wC++) {
      const xC = yC * g.strideWidth - g.padInfo.left + wC * g.dilationWidth;
      if (xC < 0 || xC >= g.inWidth) continue;
      visit(b * xs.b + xR * xs.r + xC * xs.c, wR * g.filterWidth + wC);
    }
  }
}

/** Calls `visit` once per product of the convolution sum
 *  y[b,yR,yC,d2] = Σ_{wR,wC,d1 ∈ group(d2)} x[b, yR*sH - padTop + wR*dlH, yC*sW - padLeft + wC*dlW,
 *                  d1] · W[wR,wC,d1 - group start,d2]. */
export function forEachConvTap(g: ConvGeometry, visit: TapVisitor): void {
  const channelStride = layoutStrides(g.inHeight, g.inWidth, g.inChannels, g.dataFormat).d;
  const cg = g.inChannelsPerGroup;
  forEachOutputCell(g, (yi, b, yR, yC, d2) => {
    const d1Start = Math.floor(d2 / g.outChannelsPerGroup) * cg;
    forEachWindowCell(g, b, yR, yC, (cell, tap) => {
      for (let k = 0; k < cg; k++) {
        visit(yi, cell + (d1Start + k) * channelStride, (tap * cg + k) * g.outChannels + d2);
      }
    });
  });
}

/** Calls `visit(yi, xi, tap)` for every in-range cell of every pooling window, in row-major
 *  window order; tap = wR * filterWidth + wC. */
export function forEachPoolTap(
  g: ConvGeometry,
  visit: (yi: number, xi: number, tap: number) => void,
): void {
  const channelStride = layoutStrides(g.inHeight, g.inWidth, g.inChannels, g.dataFormat).d;
  forEachOutputCell(g, (yi, b, yR, yC, d) => {
    forEachWindowCell(g, b, yR, yC, (cell, tap) => visit(yi, cell + d * channelStride, tap));
  });
}

/** Flat offset of the input cell at window index `tap` of output cell (b, yR, yC, d). */
export function poolTapOffset(
  g: ConvGeometry,
  b: number,
  yR: number,
  yC: number,
  d: number,
  tap: number,
): number {
  const xs = layoutStrides(g.inHeight, g.inWidth, g.inChannels, g.dataFormat);
  const wR = Math.floor(tap / g.filterWidth);
  const wC = tap - wR * g.filterWidth;
  const xR = yR * g.strideHeight - g.padInfo.top + wR * g.dilationHeight;
  const xC = yC * g.strideWidth - g.padInfo.left + wC * g.dilationWidth;
  return b * xs.b + xR * xs.r + xC * xs.c + d * xs.d;
}
