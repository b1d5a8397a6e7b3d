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
  return (
    g.filterHeight === 1 &&
    g.filterWidth === 1 &&
    g.strideHeight === 1 &&
    g.strideWidth === 1 &&
    p.top === 0 &&
    p.left === 0 &&
    g.outHeight === g.inHeight &&
    g.outWidth === g.inWidth
  );
}

/** The taps wC in [firstTap, endTap) of a window row whose first tap reads column xCCorner
 *  land inside x's width; the others read padding. */
function firstTap(xCCorner: number, dilation: number, filterWidth: number): number {
  return xCCorner >= 0 ? 0 : Math.min(filterWidth, Math.ceil(-xCCorner / dilation));
}

function endTap(xCCorner: number, dilation: number, filterWidth: number, inWidth: number): number {
  return Math.max(0, Math.min(filterWidth, Math.ceil((inWidth - xCCorner) / dilation)));
}

/** Fills col[0 .. rows * colWidth) with rows [p0, p0 + rows) of group `group`'s im2col matrix.
 *  One window row at a time: its padded taps are zeroed, its in-range taps copied; with unit
 *  dilation and one group those taps are one contiguous run of x, copied in one loop. */
export function im2col(
  x: Float32Array,
  g: ConvGeometry,
  group: number,
  p0: number,
  rows: number,
  col: Float32Array,
): void {
  const {inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth} = g;
  const cg = g.inChannelsPerGroup;
  const dlW = g.dilationWidth;
  const contiguous = dlW === 1 && cg === inChannels;
  const rowWidth = filterWidth * cg; // col entries of one window row
  const perImage = outHeight * outWidth;
  let b = Math.floor(p0 / perImage);
  let yR = Math.floor((p0 - b * perImage) / outWidth);
  let yC = p0 - b * perImage - yR * outWidth;
  let o = 0;
  for (let p = 0; p < rows; p++) {
    const xRCorner = yR * g.strideHeight - g.padInfo.top;
    const xCCorner = yC * g.strideWidth - g.padInfo.left;
    const wC0 = firstTap(xCCorner, dlW, filterWidth);
    const wC1 = Math.max(wC0, endTap(xCCorner, dlW, filterWidth, inWidth));
    for (let wR = 0; wR < filterHeight; wR++, o += rowWidth) {
      const xR = xRCorner + wR * g.dilationHeight;
      if (xR < 0 || xR >= inHeight) {
        for (let i = 0; i < rowWidth; i++) col[o + i] = 0;
        continue;
      }
      for (let i = 0; i < wC0 * cg; i++) col[o + i] = 0;
      for (let i = wC1 * cg; i < rowWidth; i++) col[o + i] = 0;
      // x offset of tap wC's first channel: rowBase + wC * dlW * inChannels
      const rowBase = ((b * inHeight + xR) * inWidth + xCCorner) * inChannels + group * cg;
      if (contiguous) {
        const s = rowBase + wC0 * cg;
        const d = o + wC0 * cg;
        const n = (wC1 - wC0) * cg;
        for (let i = 0; i < n; i++) col[d + i] = x[s + i];
      } else {
        for (let wC = wC0; wC < wC1; wC++) {
          const s = rowBase + wC * dlW * inChannels;
          const d = o + wC * cg;
          for (let k = 0; k < cg; k++) col[d + k] = x[s + k];
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

/** dx += col2im(col): adds each col entry back into the x cell it was read from (padded taps
 *  are dropped), window row by window row as in im2col. */
export function col2im(
  col: Float32Array,
  g: ConvGeometry,
  group: number,
  p0: number,
  rows: number,
  dx: Float32Array,
): void {
  const {inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth} = g;
  const cg = g.inChannelsPerGroup;
  const dlW = g.dilationWidth;
  const contiguous = dlW === 1 && cg === inChannels;
  const rowWidth = filterWidth * cg;
  const perImage = outHeight * outWidth;
  let b = Math.floor(p0 / perImage);
  let yR = Math.floor((p0 - b * perImage) / outWidth);
  let yC = p0 - b * perImage - yR * outWidth;
  let o = 0;
  for (let p = 0; p < rows; p++) {
    const xRCorner = yR * g.strideHeight - g.padInfo.top;
    const xCCorner = yC * g.strideWidth - g.padInfo.left;
    const wC0 = firstTap(xCCorner, dlW, filterWidth);
    const wC1 = Math.max(wC0, endTap(xCCorner, dlW, filterWidth, inWidth));
    for (let wR = 0; wR < filterHeight; wR++, o += rowWidth) {
      const xR = xRCorner + wR * g.dilationHeight;
      if (xR < 0 || xR >= inHeight) continue;
      const rowBase = ((b * inHeight + xR) * inWidth + xCCorner) * inChannels + group * cg;
      if (contiguous) {
        const d = rowBase + wC0 * cg;
        const s = o + wC0 * cg;
        const n = (wC1 - wC0) * cg;
        for (let i = 0; i < n; i++) dx[d + i] += col[s + i];
      } else {
        for (let wC = wC0; wC < wC1; wC++) {
          const d = rowBase + wC * dlW * inChannels;
          const s = o + wC * cg;
          for (let k = 0; k < cg; k++) dx[d + k] += col[s + k];
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
