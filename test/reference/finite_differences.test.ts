// The reference backward kernels against central finite differences of the reference forward,
// in float64, on the geometries tfjs's own gradients cannot handle (dilation, groups, depthwise,
// ceil rounding, NCHW) and plain ones. For L(x, W) = Σ r ⊙ conv(x, W):
//   <∂L/∂x, v> = <BackpropInput(r, W), v>    and    <∂L/∂W, u> = <BackpropFilter(x, r), u>.
// For max pool, L(x) = Σ r ⊙ maxPool(x) with distinct x: <∂L/∂x, v> = <scatter(r, argmax), v>.

import {convGeometry, poolGeometry, sizeOf} from '../../kernels/geometry';
import {
  conv2dBackpropFilterReference,
  conv2dBackpropInputReference,
  conv2dReference,
} from '../../kernels/reference/conv2d';
import {maxPoolGradReference, maxPoolReference} from '../../kernels/reference/max_pool';
import {CONV_CASES, every, POOL_CASES} from '../cases/sweeps';
import {dot} from '../helpers/arrays';
import {direction, directionalFD} from '../helpers/fd';
import {distinct, uniform} from '../helpers/random';

const close = (a: number, b: number, tol: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe('reference conv gradients vs finite differences (float64)', () => {
  test.each(every(CONV_CASES, 4).map((c) => [c.name, c] as const))('%s', (_, c) => {
    const g = convGeometry(c.xShape, c.filterShape, c.attrs);
    const x = Float64Array.from(uniform(sizeOf(c.xShape), c.seed));
    const w = Float64Array.from(uniform(sizeOf(c.filterShape), c.seed + 1));
    const r = uniform(sizeOf(g.outShape), c.seed + 2);
    const v = direction(x.length, c.seed + 3);
    const u = direction(w.length, c.seed + 4);
    const lossOfX = (p: Float64Array) => dot(conv2dReference(p, w, g), r);
    const lossOfW = (p: Float64Array) => dot(conv2dReference(x, p, g), r);
    close(dot(conv2dBackpropInputReference(r, w, g), v), directionalFD(lossOfX, x, v), 1e-8);
    close(dot(conv2dBackpropFilterReference(x, r, g), u), directionalFD(lossOfW, w, u), 1e-8);
  });
});

describe('reference max-pool gradient vs finite differences (float64)', () => {
  test.each(every(POOL_CASES, 2).map((c) => [c.name, c] as const))('%s', (_, c) => {
    const g = poolGeometry(c.xShape, c.attrs);
    const x = Float64Array.from(distinct(sizeOf(c.xShape), c.seed));
    const r = uniform(sizeOf(g.outShape), c.seed + 1);
    const v = direction(x.length, c.seed + 2);
    // Distinct values are at least 2/n apart: a step of 1e-6 moves no maximum.
    const loss = (p: Float64Array) => {
      const {y} = maxPoolReference(p, g);
      return dot(
        y.map((yi) => (Number.isFinite(yi) ? yi : 0)),
        r,
      );
    };
    const {argmax} = maxPoolReference(x, g);
    close(dot(maxPoolGradReference(r, argmax, g), v), directionalFD(loss, x, v, 1e-6), 1e-7);
  });
});
