// Reference max pooling in float64, forward with its argmax, and the two linear maps the argmax
// defines: the scatter (the gradient) and the gather (its transpose).
//   y[b,yR,yC,d]  = max over the window's in-range cells; argmax = the FIRST maximum in row-major
//                   window order (strict >). NaN never wins; a window with no number gives
//                   y = -Infinity and argmax = -1, as tfjs's cpu backend does.
//   dx[argmax cell of (b,yR,yC,d)] += dy[b,yR,yC,d]        (overlapping windows accumulate)
//   gathered[b,yR,yC,d] = v[argmax cell of (b,yR,yC,d)]

import {ConvGeometry, sizeOf} from '../geometry';
import {forEachOutputCell, forEachPoolTap, poolTapOffset} from './window';

type Values = ArrayLike<number>;

export function maxPoolReference(
  x: Values,
  g: ConvGeometry,
): {y: Float64Array; argmax: Int32Array} {
  const n = sizeOf(g.outShape);
  const y = new Float64Array(n).fill(-Infinity);
  const argmax = new Int32Array(n).fill(-1);
  forEachPoolTap(g, (yi, xi, tap) => {
    if (x[xi] > y[yi]) {
      y[yi] = x[xi];
      argmax[yi] = tap;
    }
  });
  return {y, argmax};
}

/** Calls `visit(yi, xi)` for every output cell with an argmax, xi being that argmax's cell. */
function forEachArgmax(g: ConvGeometry, argmax: Values, visit: (yi: number, xi: number) => void) {
  forEachOutputCell(g, (yi, b, yR, yC, d) => {
    if (argmax[yi] >= 0) visit(yi, poolTapOffset(g, b, yR, yC, d, argmax[yi]));
  });
}

export function maxPoolGradReference(dy: Values, argmax: Values, g: ConvGeometry): Float64Array {
  const dx = new Float64Array(sizeOf(g.inShape));
  forEachArgmax(g, argmax, (yi, xi) => {
    dx[xi] += dy[yi];
  });
  return dx;
}

export function maxPoolGatherReference(x: Values, argmax: Values, g: ConvGeometry): Float64Array {
  const out = new Float64Array(sizeOf(g.outShape));
  forEachArgmax(g, argmax, (yi, xi) => {
    out[yi] = x[xi];
  });
  return out;
}
