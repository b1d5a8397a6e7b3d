// Every cpu kernel against the float64 reference over the full sweeps, one test per geometry, on
// both host paths (the WebAssembly SIMD kernels and the scalar ones).

import '../../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {simdStats} from '../../kernels/simd/runtime';
import {convCase, poolCase} from '../cases/bodies';
import {CONV_CASES, flatIndex, INFINITY_CONV_CASES, POOL_CASES} from '../cases/sweeps';
import {describeHostPaths} from '../helpers/host_paths';
import {worst} from '../helpers/report';

const RTOL = 1e-5;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describeHostPaths('cpu sweeps', (path) => {
  const runsBefore = {count: 0};
  beforeAll(() => {
    runsBefore.count = simdStats().runs;
  });

  describe('conv kernels vs reference (rtol 1e-5)', () => {
    test.each(CONV_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
      worst.record(`cpu ${path} conv`, (await convCase(c, RTOL)).errors);
    });
  });

  describe('conv kernels with ±Infinity in x vs reference (rtol 1e-5)', () => {
    test.each(INFINITY_CONV_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
      const cells = c.cells.map((cell) => flatIndex(cell, c.xShape));
      worst.record(`cpu ${path} conv infinity`, (await convCase(c, RTOL, cells)).errors);
    });
  });

  describe('max-pool kernels vs reference (rtol 1e-5)', () => {
    test.each(POOL_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
      worst.record(`cpu ${path} pool`, (await poolCase(c, RTOL)).errors);
    });
  });

  test('the sweeps ran on this path', () => {
    const ran = simdStats().runs - runsBefore.count;
    if (path === 'simd') {
      expect(ran).toBeGreaterThan(CONV_CASES.length);
    } else {
      expect(ran).toBe(0);
    }
  });
});

afterAll(() => worst.print());
