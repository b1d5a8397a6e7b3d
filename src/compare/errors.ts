// Closeness of a computed array to an expected one. The error is relative to the largest
// expected magnitude (a per-element relative error means nothing where sums cancel to ~0):
//   err = max_i |actual_i - expected_i| / max(max_i |expected_i|, 1e-30)
// A failure names the first element past the tolerance, by its coordinates, with both values.

export interface Closeness {
  maxAbs: number;
  scale: number;
  relErr: number;
  firstBad: number;
}

export function closeness(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
): Closeness {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} differs from the expected ${expected.length}`);
  }
  // Non-finite expected values (a max pool's -Infinity) must be matched exactly and do not count
  // towards the scale.
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isFinite(expected[i])) scale = Math.max(scale, Math.abs(expected[i]));
  }
  scale = Math.max(scale, 1e-30);
  let maxAbs = 0;
  let firstBad = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const diff = Object.is(a, e) ? 0 : Math.abs(a - e);
    const bad = !(diff <= rtol * scale) || (!Number.isFinite(e) && diff !== 0);
    if (bad && firstBad < 0) firstBad = i;
    if (!(diff <= maxAbs)) maxAbs = diff; // a NaN difference makes maxAbs NaN
  }
  return {maxAbs, scale, relErr: maxAbs / scale, firstBad};
}

export function coords(index: number, shape: readonly number[]): number[] {
  const out = new Array(shape.length).fill(0);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    out[ax] = index % shape[ax];
    index = Math.floor(index / shape[ax]);
  }
  return out;
}

/** Throws unless actual matches expected to rtol (relative to expected's largest magnitude). */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  shape: readonly number[],
  rtol: number,
  label = 'value',
): Closeness {
  const c = closeness(actual, expected, rtol);
  if (c.firstBad >= 0) {
    const i = c.firstBad;
    throw new Error(
      `${label} differs at [${coords(i, shape).join(',')}] of shape [${shape.join(',')}]: ` +
        `got ${actual[i]}, expected ${expected[i]}; max abs diff ${c.maxAbs.toExponential(3)}, ` +
        `relative error ${c.relErr.toExponential(3)} > ${rtol}`,
    );
  }
  return c;
}
