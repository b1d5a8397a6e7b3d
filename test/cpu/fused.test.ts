// The cpu fused convolution against the reference: every activation and kind of bias.

import '../../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {fusedCase, fusedCases} from '../cases/fused';
import {CONV_CASES, every} from '../cases/sweeps';

const CASES = fusedCases(every(CONV_CASES, 3));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('cpu fused conv vs reference (rtol 1e-5)', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await fusedCase(c, 1e-5);
  });
});
