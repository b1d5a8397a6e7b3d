// The host kernels' guards (kernels/cpu/guards.ts) on tfjs's wasm backend: ±Infinity and NaN in
// each operand, and pads far larger than the input, against the float64 reference (the cases of
// test/cpu/padding_guards.test.ts, on wasm tensors).

import '@tensorflow/tfjs-backend-wasm';
import '../../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {convCase, poolCase} from '../cases/bodies';
import {LARGE_PAD_CONV_CASES, LARGE_PAD_POOL_CASES, largePadTimings} from '../cases/large_pads';
import {specialValueCases, specialValuesCase} from '../cases/special_values';
import {every} from '../cases/sweeps';
import {worst} from '../helpers/report';

const RTOL = 1e-5;

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});

afterAll(() => worst.print());

describe('wasm kernels with ±Infinity and NaN in each operand vs reference', () => {
  test.each(every(specialValueCases(), 2).map((c) => [c.name, c] as const))('%s', async (_, c) => {
    expect(tf.getBackend()).toBe('wasm');
    worst.record('wasm special values', (await specialValuesCase(c, RTOL)).errors);
  });
});

describe('wasm kernels with pads far larger than the input vs reference', () => {
  test.each(LARGE_PAD_CONV_CASES.map((c) => [c.name, c] as const))('conv %s', async (_, c) => {
    worst.record('wasm large pads', (await convCase(c, RTOL)).errors);
  });
  test.each(LARGE_PAD_POOL_CASES.map((c) => [c.name, c] as const))('pool %s', async (_, c) => {
    worst.record('wasm large pads', (await poolCase(c, RTOL)).errors);
  });
});

test('a 1x1 input with pad 1000 on wasm: every kernel under its bound, values as known', async () => {
  const times = await largePadTimings(1000);
  for (const [kernel, ms] of Object.entries(times)) {
    expect([kernel, ms < 600]).toEqual([kernel, true]);
  }
});
