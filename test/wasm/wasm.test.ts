// The host kernels on tfjs's wasm backend, in node: the same case bodies as the cpu suite, on wasm
// tensors, and gradients through the ops. tfjs's own wasm backend has no Conv2DBackpropFilter at
// all, so without these kernels no convolution can be trained there.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import * as hm from '../../src/index';
import {convCase, poolCase} from '../cases/bodies';
import {CONV_CASES, every, POOL_CASES} from '../cases/sweeps';
import {worst} from '../helpers/report';
import {uniform} from '../helpers/random';

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});

afterAll(() => worst.print());

test('tfjs\'s wasm backend has no Conv2DBackpropFilter of its own', () => {
  expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
  expect(tf.getKernel(hm.HandmadeConv2DBackpropFilter, 'wasm')).toBeDefined();
});

describe('wasm conv kernels vs reference (rtol 1e-5)', () => {
  test.each(every(CONV_CASES, 3).map((c) => [c.name, c] as const))('%s', async (_, c) => {
    expect(tf.getBackend()).toBe('wasm');
    worst.record('wasm conv', (await convCase(c, 1e-5)).errors);
  });
});

describe('wasm max-pool kernels vs reference (rtol 1e-5)', () => {
  test.each(every(POOL_CASES, 2).map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('wasm pool', (await poolCase(c, 1e-5)).errors);
  });
});

test('gradients of conv, fused conv and max pool train a step on wasm, equal to cpu\'s', async () => {
  const x = uniform(2 * 9 * 9 * 4, 1);
  const w = uniform(3 * 3 * 2 * 6, 2);
  const b = uniform(6, 3);
  const step = () => tf.tidy(() => {
    const [xt, wt, bt] = [tf.tensor(x, [2, 9, 9, 4]), tf.tensor(w, [3, 3, 2, 6]), tf.tensor1d(b)];
    return tf.grads((a: tf.Tensor, f: tf.Tensor, bias: tf.Tensor) => {
      const y = hm.fused.conv2d({x: a as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 1, pad: 'same',
                                 dilations: 2, bias, activation: 'relu'});
      return tf.sum(tf.square(hm.maxPool(hm.conv2d(y, f as tf.Tensor4D, 1, 'valid'), 2, 2, 'valid')));
    })([xt, wt, bt]).map((g) => Array.from(g.dataSync()));
  });
  const before = tf.memory().numTensors;
  const onWasm = step();
  expect(tf.memory().numTensors).toBe(before);
  await tf.setBackend('cpu');
  const onCpu = step();
  await tf.setBackend('wasm');
  onWasm.forEach((g, i) => {
    const scale = Math.max(...onCpu[i].map(Math.abs));
    g.forEach((v, j) => expect(Math.abs(v - onCpu[i][j])).toBeLessThanOrEqual(1e-5 * scale));
  });
});

test('hm.compare on wasm: every quick case passes', async () => {
  const rows = await hm.compare({backends: ['wasm'], cases: 'quick', repeats: 1});
  expect(rows.every((r) => r.backend === 'wasm' && r.ok)).toBe(true);
  // no built-in filter gradient on wasm; its MaxPoolGrad is timed but is not an oracle
  expect(rows.filter((r) => r.kernel === hm.HandmadeConv2DBackpropFilter).every((r) => r.builtin == null)).toBe(true);
  expect(rows.find((r) => r.kernel === hm.HandmadeMaxPoolGrad && r.builtin != null)?.note).toMatch(/not an oracle/);
});
