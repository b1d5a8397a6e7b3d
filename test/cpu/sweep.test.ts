// Every cpu kernel against the float64 reference over the full sweeps, one test per geometry.

import * as tf from '@tensorflow/tfjs-core';
import '../../src/index';
import {convCase, poolCase} from '../cases/bodies';
import {CONV_CASES, flatIndex, INFINITY_CONV_CASES, POOL_CASES} from '../cases/sweeps';
import {worst} from '../helpers/report';

const RTOL = 1e-5;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('cpu conv kernels vs reference (rtol 1e-5)', () => {
  test.each(CONV_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('cpu conv', (await convCase(c, RTOL)).errors);
  });
});

describe('cpu conv kernels with ±Infinity in x vs reference (rtol 1e-5)', () => {
  test.each(INFINITY_CONV_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const cells = c.cells.map((cell) => flatIndex(cell, c.xShape));
    worst.record('cpu conv infinity', (await convCase(c, RTOL, cells)).errors);
  });
});

describe('cpu max-pool kernels vs reference (rtol 1e-5)', () => {
  test.each(POOL_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('cpu pool', (await poolCase(c, RTOL)).errors);
  });
});

afterAll(() => worst.print());
