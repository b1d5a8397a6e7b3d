// im2col and its transpose col2im, over NHWC data, for one channel group and a chunk of output
// positions. Position p flattens (b, yR, yC); column (wR * fw + wC) * Cg + k of row p holds
//   x[b, yR*sH - padTop + wR*dlH, yC*sW - padLeft + wC*dlW, group * Cg + k]   (0 outside x),
// the same order as the filter's [wR][wC][k] rows, so that y = col · W.

import {ConvGeometry} from '../geometry';
import {COL_BUFFER_FLOATS} from './scratch';

/** Columns of the im2col matrix: fh * fw * Cg. */
export function colWidth(g: ConvGeometry): number {
  return g.filterHeight * g.filterWidth * g.inChannelsPerGroup;
}

/** Output positions per im2col chunk, so that one chunk fits COL_BUFFER_FLOATS. */
export function chunkPositions(g: ConvGeometry): number {
  const total = g.batchSize * g.outHeight * g.outWidth;
  return Math.max(1, Math.min(total, Math.floor(COL_BUFFER_FLOATS / Math.max(1, colWidth(g)))));
}

/** True when the im2col matrix is x itself (1x1 filter, stride 1, no padding): no copy needed. */
export function im2colIsIdentity(g: ConvGeometry): boolean {
  const p = g.padInfo;
  return g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 &&
      g.strideWidth === 1 && p.top === 0 && p.left === 0 && g.outHeight === g.inHeight &&
      g.outWidth === g.inWidth;
}

/** Walks the window taps of positions [p0, p0 + rows): `tap(o, src)` for an in-range cell whose
 *  Cg channels start at x offset `src` and col offset `o`; `outside(o)` for a padded one. */
function forEachWindowCell(g: ConvGeometry, p0: number, rows: number,
                           inside: (o: number, src: number) => void,
                           outside: (o: number) => void): void {
  const {inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth} = g;
  const cg = g.inChannelsPerGroup;
  const perImage = outHeight * outWidth;
  let b = Math.floor(p0 / perImage);
  let yR = Math.floor((p0 - b * perImage) / outWidth);
  let yC = p0 - b * perImage - yR * outWidth;
  let o = 0;
  for (let p = 0; p < rows; p++) {
    const xRCorner = yR * g.strideHeight - g.padInfo.top;
    const xCCorner = yC * g.strideWidth - g.padInfo.left;
    const imageBase = b * inHeight * inWidth * inChannels;
    for (let wR = 0; wR < filterHeight; wR++) {
      const xR = xRCorner + wR * g.dilationHeight;
      const rowInside = xR >= 0 && xR < inHeight;
      for (let wC = 0; wC < filterWidth; wC++, o += cg) {
        const xC = xCCorner + wC * g.dilationWidth;
        if (rowInside && xC >= 0 && xC < inWidth) {
          inside(o, imageBase + (xR * inWidth + xC) * inChannels);
        } else {
          outside(o);
        }
      }
    }
    if (++yC === outWidth) {
      yC = 0;
      if (++yR === outHeight) {
        yR = 0;
        b++;
      }
    }
  }
}

/** Fills col[0 .. rows * colWidth) with rows [p0, p0 + rows) of group `group`'s im2col matrix. */
export function im2col(x: Float32Array, g: ConvGeometry, group: number, p0: number,
                       rows: number, col: Float32Array): void {
  const cg = g.inChannelsPerGroup;
  const c0 = group * cg;
  forEachWindowCell(g, p0, rows, (o, src) => {
    const s = src + c0;
    for (let k = 0; k < cg; k++) col[o + k] = x[s + k];
  }, (o) => col.fill(0, o, o + cg));
}

/** dx += col2im(col): adds each col entry back into the x cell it was read from. */
export function col2im(col: Float32Array, g: ConvGeometry, group: number, p0: number,
                       rows: number, dx: Float32Array): void {
  const cg = g.inChannelsPerGroup;
  const c0 = group * cg;
  forEachWindowCell(g, p0, rows, (o, dst) => {
    const d = dst + c0;
    for (let k = 0; k < cg; k++) dx[d + k] += col[o + k];
  }, () => {});
}
