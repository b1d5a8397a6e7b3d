// The cpu max pool's fast paths (the 2x2 stride-2 tree, the unrolled nine-tap window, and the int32
// keys of float bits they all compare) against the float64 reference, on data made to break
// them: few distinct values (ties everywhere), NaN, ±Infinity, -0 next to +0, windows of
// -Infinity or NaN only, and padding. Geometries sit on both sides of each dispatch condition.

import {isPlain2x2, maxPoolCpu, maxPoolValuesCpu} from '../../kernels/cpu/max_pool';
import {maxPoolGradCpu} from '../../kernels/cpu/max_pool_grad';
import {poolGeometry, sizeOf} from '../../kernels/geometry';
import type {PoolAttrs} from '../../kernels/names';
import {maxPoolGradReference, maxPoolReference} from '../../kernels/reference/max_pool';
import {describeHostPaths} from '../helpers/host_paths';
import {rng} from '../helpers/random';

/** Values drawn from a small set, so windows tie, with the special floats among them. */
function trickyValues(n: number, seed: number): Float32Array {
  const pool = [-2, -1, -0, 0, 1, 2, 0.5, NaN, -Infinity, Infinity, -3e38, 1e-45, -1e-45];
  const next = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = pool[Math.floor(next() * pool.length)];
  return x;
}

/** y must equal the reference bit for bit (Object.is tells -0 from +0), argmax exactly; so must
 *  the y of the values-only kernel (MaxPool's under the override), which walks the channels in
 *  wider blocks than the one that keeps the argmax. */
function expectSameAsReference(x: Float32Array, xShape: number[], attrs: PoolAttrs): void {
  const g = poolGeometry(xShape, attrs);
  const ours = maxPoolCpu(x, g);
  const values = maxPoolValuesCpu(x, g);
  const ref = maxPoolReference(x, g);
  for (let i = 0; i < ref.y.length; i++) {
    const want = Math.fround(ref.y[i]);
    if (!Object.is(ours.y[i], want) || ours.argmax[i] !== ref.argmax[i]) {
      throw new Error(
        `element ${i}: y ${ours.y[i]} argmax ${ours.argmax[i]}, ` +
          `reference y ${ref.y[i]} argmax ${ref.argmax[i]}`,
      );
    }
    if (!Object.is(values[i], want)) {
      throw new Error(`element ${i}: values-only y ${values[i]}, reference y ${ref.y[i]}`);
    }
  }
}

interface Geometry {
  xShape: number[];
  attrs: PoolAttrs;
  /** Whether the 2x2 stride-2 tree is expected to take it. */
  plain2x2: boolean;
}

const NHWC = 'NHWC' as const;
const GEOMETRIES: Geometry[] = [
  // The 2x2 stride-2 tree: just inside its condition...
  {
    xShape: [3, 6, 8, 5],
    attrs: {filterSize: 2, strides: 2, pad: 'valid', dataFormat: NHWC},
    plain2x2: true,
  },
  {
    xShape: [2, 7, 9, 3],
    attrs: {filterSize: 2, strides: 2, pad: 'valid', dataFormat: NHWC},
    plain2x2: true,
  },
  {
    xShape: [2, 6, 6, 1],
    attrs: {filterSize: 2, strides: 2, pad: 'same', dataFormat: NHWC},
    plain2x2: true,
  },
  {
    xShape: [2, 3, 8, 6],
    attrs: {filterSize: 2, strides: 2, pad: 'valid', dataFormat: 'NCHW'},
    plain2x2: true,
  },
  // ...and just outside it: padding at an odd edge, stride 1, dilation 2, stride 3, 2x3 windows.
  {
    xShape: [2, 7, 9, 3],
    attrs: {filterSize: 2, strides: 2, pad: 'same', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [2, 6, 6, 3],
    attrs: {filterSize: 2, strides: 2, pad: 1, dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [2, 6, 7, 3],
    attrs: {filterSize: 2, strides: 1, pad: 'valid', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [2, 8, 8, 3],
    attrs: {filterSize: 2, strides: 2, pad: 'valid', dilations: 2, dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [2, 8, 8, 3],
    attrs: {filterSize: 2, strides: [2, 3], pad: 'valid', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [2, 8, 8, 3],
    attrs: {filterSize: [2, 3], strides: 2, pad: 'valid', dataFormat: NHWC},
    plain2x2: false,
  },
  // The unrolled nine-tap window (inner windows) next to the general scan (edge windows)...
  {
    xShape: [2, 12, 12, 7],
    attrs: {filterSize: 3, strides: 2, pad: 'same', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [3, 9, 11, 4],
    attrs: {filterSize: 3, strides: 1, pad: 'same', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [2, 9, 9, 2],
    attrs: {filterSize: 3, strides: 3, pad: 'valid', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [2, 11, 11, 3],
    attrs: {filterSize: 3, strides: 2, pad: 'valid', dilations: 2, dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [1, 5, 7, 3],
    attrs: {filterSize: 3, strides: 2, pad: 'same', dataFormat: 'NCHW'},
    plain2x2: false,
  },
  // ...nine taps in one row or column, and windows of 6 and 10 taps (the general scan only).
  {
    xShape: [2, 4, 12, 3],
    attrs: {filterSize: [1, 9], strides: 1, pad: 'valid', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [2, 12, 4, 3],
    attrs: {filterSize: [9, 1], strides: 2, pad: 'same', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [2, 8, 8, 3],
    attrs: {filterSize: [3, 2], strides: 1, pad: 'valid', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [2, 8, 8, 3],
    attrs: {filterSize: [2, 5], strides: 1, pad: 'valid', dataFormat: NHWC},
    plain2x2: false,
  },
  // Channels in whole vectors of four and with a remainder (the SIMD kernel's lanes and tail).
  {
    xShape: [2, 6, 6, 8],
    attrs: {filterSize: 2, strides: 2, pad: 'valid', dataFormat: NHWC},
    plain2x2: true,
  },
  {
    xShape: [1, 7, 5, 7],
    attrs: {filterSize: 3, strides: 2, pad: 'same', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [1, 5, 9, 6],
    attrs: {filterSize: [2, 3], strides: 1, pad: 1, dataFormat: NHWC, dilations: [2, 1]},
    plain2x2: false,
  },
  {
    xShape: [1, 4, 6, 5],
    attrs: {filterSize: 3, strides: 1, pad: 'same', dataFormat: 'NCHW'},
    plain2x2: false,
  },
  // Wide channels: 53 = 32 + 16 + 4 + 1 and 45 = 32 + 8 + 4 + 1 take every block of the SIMD
  // walks (eight, four, two and one vectors, and a lane past them), 64 whole blocks only.
  {
    xShape: [1, 7, 7, 53],
    attrs: {filterSize: 3, strides: 2, pad: 'same', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [2, 5, 6, 45],
    attrs: {filterSize: [2, 3], strides: 1, pad: 1, dataFormat: NHWC, dilations: [2, 1]},
    plain2x2: false,
  },
  {
    xShape: [1, 6, 6, 64],
    attrs: {filterSize: 2, strides: 2, pad: 'valid', dataFormat: NHWC},
    plain2x2: true,
  },
  // Whole vectors under 16 channels (the values-only runs of whole windows, and each clipped
  // window at an edge on its own): 12 = 8 + 4, 4, 8; padding on both sides, dilation, a stride
  // that leaves x's last column unread, and a window wider than x (no whole window at all).
  {
    xShape: [2, 7, 9, 12],
    attrs: {filterSize: 3, strides: 2, pad: 'same', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [1, 9, 10, 4],
    attrs: {filterSize: [2, 3], strides: 1, pad: 'same', dataFormat: NHWC, dilations: [1, 2]},
    plain2x2: false,
  },
  {
    xShape: [2, 7, 8, 8],
    attrs: {filterSize: [3, 2], strides: [2, 3], pad: 'valid', dataFormat: NHWC},
    plain2x2: false,
  },
  {
    xShape: [1, 4, 3, 8],
    attrs: {filterSize: [2, 5], strides: 1, pad: 'same', dataFormat: NHWC},
    plain2x2: false,
  },
];

describeHostPaths('cpu max pool', () => {
  describe('cpu max pool fast paths vs reference, bit for bit', () => {
    test.each(
      GEOMETRIES.map((c) => [JSON.stringify(c.xShape) + ' ' + JSON.stringify(c.attrs), c] as const),
    )('%s', (_, c) => {
      expect(isPlain2x2(poolGeometry(c.xShape, c.attrs))).toBe(c.plain2x2);
      for (let seed = 1; seed <= 4; seed++) {
        expectSameAsReference(trickyValues(sizeOf(c.xShape), seed), c.xShape, c.attrs);
      }
    });
  });

  test('windows of -Infinity, of NaN, and of both give -Infinity and argmax -1', () => {
    for (const attrs of [
      {filterSize: 2, strides: 2, pad: 'valid', dataFormat: NHWC} as PoolAttrs,
      {filterSize: 3, strides: 3, pad: 'valid', dataFormat: NHWC} as PoolAttrs,
    ]) {
      const xShape = [1, 6, 6, 3];
      const x = new Float32Array(sizeOf(xShape)).fill(-Infinity);
      for (let i = 1; i < x.length; i += 3) x[i] = NaN;
      for (let i = 2; i < x.length; i += 3) x[i] = i % 2 ? NaN : -Infinity;
      const {y, argmax} = maxPoolCpu(x, poolGeometry(xShape, attrs));
      expect(Array.from(y).every((v) => v === -Infinity)).toBe(true);
      expect(Array.from(argmax).every((a) => a === -1)).toBe(true);
      expectSameAsReference(x, xShape, attrs);
    }
  });

  test('-0 before +0 keeps -0 (the first of equal maxima), +0 before -0 keeps +0', () => {
    const attrs: PoolAttrs = {filterSize: 2, strides: 2, pad: 'valid', dataFormat: NHWC};
    const xShape = [1, 2, 2, 2];
    // Channel 0: -0, +0, -1, NaN; channel 1: +0, -0, NaN, -0.
    const x = new Float32Array([-0, 0, 0, -0, -1, NaN, NaN, -0]);
    const {y, argmax} = maxPoolCpu(x, poolGeometry(xShape, attrs));
    expect(Object.is(y[0], -0)).toBe(true);
    expect(Object.is(y[1], 0)).toBe(true);
    expect(Array.from(argmax)).toEqual([0, 0]);
  });

  test('the gradient bit for bit, -0 and NaN in dy, windows that tile x exactly and windows that do not', () => {
    // 2x2/2 on 4x6 tiles x (the kernel stores each cell once), 2x2/2 on 5x7 and 3x3/2 do not (it
    // adds into zeroed cells): dx must be the scatter's sums, +0 + -0 = +0 included. 5 channels:
    // one vector and a lane past it.
    for (const [xShape, filterSize] of [
      [[2, 4, 6, 5], 2],
      [[2, 5, 7, 5], 2],
      [[1, 7, 7, 5], 3],
    ] as [number[], number][]) {
      const attrs: PoolAttrs = {filterSize, strides: 2, pad: 'valid', dataFormat: NHWC};
      const g = poolGeometry(xShape, attrs);
      const {argmax} = maxPoolCpu(trickyValues(sizeOf(xShape), 7), g);
      const dy = trickyValues(sizeOf(g.outShape), 8);
      dy.forEach((v, i) => {
        if (i % 3 === 0) dy[i] = -0;
      });
      const dx = maxPoolGradCpu(dy, argmax, g);
      const ref = maxPoolGradReference(dy, argmax, g);
      ref.forEach((v, i) => {
        if (!Object.is(dx[i], Math.fround(v)))
          throw new Error(`${xShape}: dx[${i}] ${dx[i]}, reference ${v}`);
      });
    }
  });

  test('the largest finite float, the smallest denormals and Infinity order as floats', () => {
    const attrs: PoolAttrs = {filterSize: 2, strides: 2, pad: 'valid', dataFormat: NHWC};
    const xShape = [1, 2, 2, 4];
    const x = new Float32Array([
      -1e-45,
      3.4028234663852886e38,
      -Infinity,
      NaN, // tap 0
      -0,
      Infinity,
      -3.4028234663852886e38,
      -1e-45, // tap 1
      1e-45,
      NaN,
      -Infinity,
      NaN, // tap 2
      0,
      3.4028234663852886e38,
      NaN,
      -1e-45, // tap 3
    ]);
    const {y, argmax} = maxPoolCpu(x, poolGeometry(xShape, attrs));
    expect(Array.from(y)).toEqual(
      [1e-45, Infinity, -3.4028234663852886e38, -1e-45].map(Math.fround),
    );
    expect(Array.from(argmax)).toEqual([2, 1, 1, 1]);
  });
});
