// The three convolution sums computed directly, tap by tap, over NHWC data, visiting only the
// taps that lie inside x: a tap in the padding contributes nothing, rather than 0 times the
// other operand. The fast paths materialise the padding as zeros, which is exact only while the
// operand those zeros meet is finite (0 * Infinity is NaN); guards.ts sends the other inputs
// here. Sums are float64, rounded once to float32. Slower than the fast paths (no blocking, no
// reuse of packed operands): they serve the rare inputs that hold ±Infinity or NaN.

import type {ConvGeometry} from '../geometry';

/** Calls visit(p, xCell, tap) for every output position p = (b, yR, yC) and every tap
 *  tap = wR * fw + wC of its window that lies inside x, xCell being the NHWC offset of that
 *  input cell's channel 0. */
function forEachInsideTap(
  g: ConvGeometry,
  visit: (p: number, xCell: number, tap: number) => void,
): void {
  const {inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth} = g;
  for (let b = 0, p = 0; b < g.batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++, p++) {
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * g.strideHeight - g.padInfo.top + wR * g.dilationHeight;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * g.strideWidth - g.padInfo.left + wC * g.dilationWidth;
            if (xC < 0 || xC >= inWidth) continue;
            visit(p, ((b * inHeight + xR) * inWidth + xC) * inChannels, wR * filterWidth + wC);
          }
        }
      }
    }
  }
}

/** y[p, d2] = Σ x[cell, d1] · W[tap, d1, d2] over the inside taps; x and y NHWC. */
export function conv2dDirect(
  x: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  y: Float32Array,
): void {
  const {outChannels, inChannelsPerGroup: cg, outChannelsPerGroup: ng} = g;
  const sums = new Float64Array(y.length);
  forEachInsideTap(g, (p, xCell, tap) => {
    for (let group = 0; group < g.groups; group++) {
      const yRow = p * outChannels + group * ng;
      for (let k = 0; k < cg; k++) {
        const xv = x[xCell + group * cg + k];
        const wRow = (tap * cg + k) * outChannels + group * ng;
        for (let j = 0; j < ng; j++) sums[yRow + j] += xv * filter[wRow + j];
      }
    }
  });
  y.set(sums);
}

/** dx[cell, d1] = Σ dy[p, d2] · W[tap, d1, d2] over the inside taps; dy and dx NHWC. */
export function conv2dBackpropInputDirect(
  dy: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  dx: Float32Array,
): void {
  const {outChannels, inChannelsPerGroup: cg, outChannelsPerGroup: ng} = g;
  const sums = new Float64Array(dx.length);
  forEachInsideTap(g, (p, xCell, tap) => {
    for (let group = 0; group < g.groups; group++) {
      const dyRow = p * outChannels + group * ng;
      for (let k = 0; k < cg; k++) {
        const wRow = (tap * cg + k) * outChannels + group * ng;
        let s = 0;
        for (let j = 0; j < ng; j++) s += dy[dyRow + j] * filter[wRow + j];
        sums[xCell + group * cg + k] += s;
      }
    }
  });
  dx.set(sums);
}

/** dW[tap, d1, d2] = Σ x[cell, d1] · dy[p, d2] over the inside taps; x and dy NHWC. */
export function conv2dBackpropFilterDirect(
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  dW: Float32Array,
): void {
  const {outChannels, inChannelsPerGroup: cg, outChannelsPerGroup: ng} = g;
  const sums = new Float64Array(dW.length);
  forEachInsideTap(g, (p, xCell, tap) => {
    for (let group = 0; group < g.groups; group++) {
      const dyRow = p * outChannels + group * ng;
      for (let k = 0; k < cg; k++) {
        const xv = x[xCell + group * cg + k];
        const wRow = (tap * cg + k) * outChannels + group * ng;
        for (let j = 0; j < ng; j++) sums[wRow + j] += xv * dy[dyRow + j];
      }
    }
  });
  dW.set(sums);
}
