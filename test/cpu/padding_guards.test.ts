// Two guards every cpu kernel runs before it chooses a fast path (kernels/cpu/guards.ts), on the
// cpu backend: ±Infinity and NaN in each operand against the reference (a tap in the padding
// contributes nothing, not 0 times an infinite operand), and pads far larger than the input
// (only the outputs whose windows read x are computed), checked against the reference and timed.

import '../../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {convGeometry, cropToRegion, liveRegion, poolGeometry} from '../../kernels/geometry';
import {convCase, poolCase} from '../cases/bodies';
import {LARGE_PAD_CONV_CASES, LARGE_PAD_POOL_CASES, largePadTimings} from '../cases/large_pads';
import {specialValueCases, specialValuesCase} from '../cases/special_values';
import {worst} from '../helpers/report';

const RTOL = 1e-5;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => worst.print());

describe('cpu kernels with ±Infinity and NaN in each operand vs reference', () => {
  test.each(specialValueCases().map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('cpu special values', (await specialValuesCase(c, RTOL)).errors);
  });
});

describe('cpu kernels with pads far larger than the input vs reference', () => {
  test.each(LARGE_PAD_CONV_CASES.map((c) => [c.name, c] as const))('conv %s', async (_, c) => {
    worst.record('cpu large pads', (await convCase(c, RTOL)).errors);
  });
  test.each(LARGE_PAD_POOL_CASES.map((c) => [c.name, c] as const))('pool %s', async (_, c) => {
    worst.record('cpu large pads', (await poolCase(c, RTOL)).errors);
  });
});

describe('the live region', () => {
  test('a 1x1 input with pad 1000 and a 3x3 window: the 3x3 outputs around its center', () => {
    const g = convGeometry([1, 1, 1, 1], [3, 3, 1, 1], {
      strides: 1,
      pad: 1000,
      dataFormat: 'NHWC',
      dilations: 1,
    });
    expect([g.outHeight, g.outWidth]).toEqual([1999, 1999]);
    expect(liveRegion(g)).toEqual({rowStart: 998, rowEnd: 1001, colStart: 998, colEnd: 1001});
    const sub = cropToRegion(g, liveRegion(g));
    expect([sub.outHeight, sub.outWidth, sub.padInfo.top, sub.padInfo.left]).toEqual([3, 3, 2, 2]);
  });

  test('ordinary paddings keep every output', () => {
    for (const [xShape, f, pad, s, d] of [
      [[1, 5, 5, 1], 3, 'same', 1, 1],
      [[1, 5, 5, 1], 3, 'valid', 2, 1],
      [[1, 7, 6, 1], 3, 'same', 1, 3],
      [[1, 8, 8, 1], 2, 'same', 2, 1],
    ] as [number[], number, 'same' | 'valid', number, number][]) {
      const g = poolGeometry(xShape, {filterSize: f, strides: s, pad, dilations: d});
      expect(liveRegion(g)).toEqual({
        rowStart: 0,
        rowEnd: g.outHeight,
        colStart: 0,
        colEnd: g.outWidth,
      });
    }
  });

  test('dilated windows that straddle the input without reading it lie inside the region, as 0s', () => {
    // 1 row, dilation 4, two taps: output r reads rows r - 4 and r; live are r = 0 and r = 4.
    const g = convGeometry([1, 1, 1, 1], [2, 1, 1, 1], {
      strides: 1,
      pad: [
        [0, 0],
        [4, 4],
        [0, 0],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [4, 1],
    });
    expect(liveRegion(g)).toEqual({rowStart: 0, rowEnd: 5, colStart: 0, colEnd: 1});
  });
});

// Before the guards, a 1x1 input with pad 1000 took 0.4-1 s per kernel here (Conv2D 457 ms,
// MaxPool 378 ms, both conv gradients through tf.grads 1029 ms); tfjs's Conv2D takes 2 ms. The
// bound is loose for a slow shared machine: most of what remains is allocating and reading back
// four million outputs.
test('a 1x1 input with pad 1000: every kernel well under the time of its per-output work', async () => {
  const times = await largePadTimings(1000);
  for (const [kernel, ms] of Object.entries(times)) {
    expect([kernel, ms < 1000]).toEqual([kernel, true]);
  }
});

test('8 channels, pad 300, a 3x3 window: each kernel under its bound', async () => {
  const times = await largePadTimings(300, 8);
  for (const [kernel, ms] of Object.entries(times)) {
    expect([kernel, ms < 1000]).toEqual([kernel, true]);
  }
});
