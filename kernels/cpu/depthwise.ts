// The scalar paths of a depthwise convolution (one input channel per group, geometry's
// inChannelsPerGroup = 1): direct sums over each window's taps inside x, NHWC, where the generic
// path would run one GEMM of n = M columns per group. Output channel o = d1 * M + q reads input
// channel d1 = floor(o / M); the filter [fh, fw, 1, C * M] holds W[tap, o].
//
//   y[p, o]    = Σ_tap x[cell(p, tap), o / M] · W[tap, o]
//   dx[c, d1]  = Σ_{(p, tap): cell(p, tap) = c} Σ_{q < M} dy[p, d1*M + q] · W[tap, d1*M + q]
//   dW[tap, o] = Σ_p x[cell(p, tap), o / M] · dy[p, o]
//
// Sums are float64 per output (dW per call), rounded once to float32. No tap in the padding is
// visited, so a non-finite operand keeps its meaning without the guards' direct sums.

import type {ConvGeometry} from '../geometry';

/** The filter rows [a0, a1) of output row (or column) i that read inside x (size `size`). */
function liveTaps(
  i: number,
  stride: number,
  pad: number,
  dilation: number,
  filter: number,
  size: number,
): [number, number] {
  const first = i * stride - pad;
  const a0 = Math.max(0, Math.ceil(-first / dilation));
  const a1 = Math.min(filter, Math.ceil((size - first) / dilation));
  return [a0, Math.max(a0, a1)];
}

/** Calls visit(p, count) for every output position p = (b, yR, yC) of g, with the taps of its
 *  window inside x listed first in `cells` (the NHWC offset of each one's channel 0) and `taps`
 *  (its index wR * fw + wC): count of each. */
function forEachPosition(
  g: ConvGeometry,
  visit: (p: number, count: number, cells: Int32Array, taps: Int32Array) => void,
): void {
  const {inHeight: h, inWidth: w, inChannels: c, filterHeight: fh, filterWidth: fw} = g;
  const cells = new Int32Array(fh * fw);
  const taps = new Int32Array(fh * fw);
  const cols: [number, number][] = [];
  for (let yC = 0; yC < g.outWidth; yC++) {
    cols.push(liveTaps(yC, g.strideWidth, g.padInfo.left, g.dilationWidth, fw, w));
  }
  for (let b = 0, p = 0; b < g.batchSize; b++) {
    for (let yR = 0; yR < g.outHeight; yR++) {
      const top = yR * g.strideHeight - g.padInfo.top;
      const [r0, r1] = liveTaps(yR, g.strideHeight, g.padInfo.top, g.dilationHeight, fh, h);
      for (let yC = 0; yC < g.outWidth; yC++, p++) {
        const left = yC * g.strideWidth - g.padInfo.left;
        const [c0, c1] = cols[yC];
        let count = 0;
        for (let wR = r0; wR < r1; wR++) {
          const row = (b * h + top + wR * g.dilationHeight) * w;
          for (let wC = c0; wC < c1; wC++, count++) {
            cells[count] = (row + left + wC * g.dilationWidth) * c;
            taps[count] = wR * fw + wC;
          }
        }
        visit(p, count, cells, taps);
      }
    }
  }
}

/** y = the depthwise conv2d of x; x and y NHWC. */
export function depthwiseCpu(
  x: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  y: Float32Array,
): void {
  const n = g.outChannels;
  const m = g.outChannelsPerGroup;
  const sums = new Float64Array(n);
  forEachPosition(g, (p, count, cells, taps) => {
    sums.fill(0);
    for (let t = 0; t < count; t++) {
      const xCell = cells[t];
      const wRow = taps[t] * n;
      if (m === 1) {
        for (let o = 0; o < n; o++) sums[o] += x[xCell + o] * filter[wRow + o];
      } else {
        for (let d1 = 0, o = 0; d1 < g.inChannels; d1++) {
          const v = x[xCell + d1];
          for (let q = 0; q < m; q++, o++) sums[o] += v * filter[wRow + o];
        }
      }
    }
    y.set(sums, p * n);
  });
}

/** dx = the depthwise input gradient for dy; dy and dx NHWC. dy scattered to every cell its
 *  windows read, summed in float64. */
export function depthwiseBackpropInputCpu(
  dy: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  dx: Float32Array,
): void {
  const n = g.outChannels;
  const m = g.outChannelsPerGroup;
  const sums = new Float64Array(dx.length);
  forEachPosition(g, (p, count, cells, taps) => {
    const dyRow = p * n;
    for (let t = 0; t < count; t++) {
      const xCell = cells[t];
      const wRow = taps[t] * n;
      if (m === 1) {
        for (let o = 0; o < n; o++) sums[xCell + o] += dy[dyRow + o] * filter[wRow + o];
      } else {
        for (let d1 = 0, o = 0; d1 < g.inChannels; d1++) {
          let s = 0;
          for (let q = 0; q < m; q++, o++) s += dy[dyRow + o] * filter[wRow + o];
          sums[xCell + d1] += s;
        }
      }
    }
  });
  dx.set(sums);
}

/** dW = the depthwise filter gradient; x and dy NHWC, dW [fh, fw, 1, C * M]. */
export function depthwiseBackpropFilterCpu(
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  dW: Float32Array,
): void {
  const n = g.outChannels;
  const m = g.outChannelsPerGroup;
  const sums = new Float64Array(dW.length);
  forEachPosition(g, (p, count, cells, taps) => {
    const dyRow = p * n;
    for (let t = 0; t < count; t++) {
      const xCell = cells[t];
      const wRow = taps[t] * n;
      if (m === 1) {
        for (let o = 0; o < n; o++) sums[wRow + o] += x[xCell + o] * dy[dyRow + o];
      } else {
        for (let d1 = 0, o = 0; d1 < g.inChannels; d1++) {
          const v = x[xCell + d1];
          for (let q = 0; q < m; q++, o++) sums[wRow + o] += v * dy[dyRow + o];
        }
      }
    }
  });
  dW.set(sums);
}
