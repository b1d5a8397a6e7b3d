// Central finite differences in float64: the oracle for every gradient tfjs cannot check
// (dilation, groups, ceil rounding, second order). Directional: for a scalar function f and a
// direction v, (f(p + εv) - f(p - εv)) / 2ε estimates <∇f(p), v>, which the analytic gradient
// must match. The functions checked here are piecewise polynomials of low degree, so with ε
// small the estimate is exact to rounding.

import {uniform} from './random';

export function directionalFD(
  f: (p: Float64Array) => number,
  p: ArrayLike<number>,
  v: ArrayLike<number>,
  eps = 1e-4,
): number {
  const plus = Float64Array.from(p, (pi, i) => pi + eps * v[i]);
  const minus = Float64Array.from(p, (pi, i) => pi - eps * v[i]);
  return (f(plus) - f(minus)) / (2 * eps);
}

/** Random unit-scale directions, from the shared seeded generator. */
export function direction(n: number, seed: number): Float64Array {
  return Float64Array.from(uniform(n, seed));
}
