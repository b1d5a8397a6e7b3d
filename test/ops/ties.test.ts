// Max-pool ties and special values. The rule, on every backend: the FIRST maximum in row-major
// window order wins (strict >), so a tied window sends its whole gradient to its top-left-most
// maximum. NaN never wins; a window with no number gives -Infinity and no gradient (as tfjs's cpu
// backend does); padded cells never win; overlapping windows accumulate.

import * as tf from '@tensorflow/tfjs-core';

import * as hm from '../../src/index';

beforeAll(() => tf.setBackend('cpu'));

const gradOf = (
  pool: typeof tf.maxPool,
  x: tf.Tensor4D,
  k: number,
  s: number,
  pad: 'same' | 'valid',
) => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(pool(t as tf.Tensor4D, k, s, pad)))(x));

test('a constant window sends its gradient to its first cell', () => {
  const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
  const dx = gradOf(hm.maxPool, x, 2, 2, 'valid');
  expect(Array.from(dx.dataSync())).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  tf.dispose([x, dx]);
});

test('a partial tie goes to the first of the tied cells in row-major order', () => {
  // window [[3, 5], [5, 1]]: the 5 at (0, 1) wins over the 5 at (1, 0)
  const x = tf.tensor4d([3, 5, 5, 1], [1, 2, 2, 1]);
  const dx = gradOf(hm.maxPool, x, 2, 2, 'valid');
  expect(Array.from(dx.dataSync())).toEqual([0, 1, 0, 0]);
  tf.dispose([x, dx]);
});

test('ReLU zeros: ties everywhere, same dx as tfjs cpu (which also takes the first maximum)', () => {
  const x = tf.tidy(() =>
    tf.relu(tf.randomUniform([2, 8, 8, 3], -1, 0.3, 'float32', 7)),
  ) as tf.Tensor4D;
  const ours = gradOf(hm.maxPool, x, 2, 2, 'valid');
  const theirs = gradOf(tf.maxPool, x, 2, 2, 'valid');
  expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
  // every window received exactly one unit of gradient
  expect(tf.sum(ours).dataSync()[0]).toBe(2 * 4 * 4 * 3);
  tf.dispose([x, ours, theirs]);
});

test('overlapping windows accumulate on a shared maximum', () => {
  const values = new Array(25).fill(0);
  // The centre of a 5x5 image is the maximum of all nine 3x3 'same' windows around it.
  values[12] = 9;
  const x = tf.tensor4d(values, [1, 5, 5, 1]);
  const dx = gradOf(hm.maxPool, x, 3, 1, 'same');
  expect(dx.dataSync()[12]).toBe(9);
  tf.dispose([x, dx]);
});

test('padded cells never win: an all-negative input keeps its negative maxima', () => {
  const x = tf.tensor4d([-4, -3, -2, -1], [1, 2, 2, 1]);
  const y = hm.maxPool(x, 3, 1, 'same');
  expect(Array.from(y.dataSync())).toEqual([-1, -1, -1, -1]);
  tf.dispose([x, y]);
});

test('NaN never wins, and an all-NaN window gives -Infinity with no gradient, as on tfjs cpu', () => {
  const x = tf.tensor4d([NaN, 2, NaN, NaN, NaN, NaN, NaN, NaN], [1, 2, 4, 1]);
  const ours = hm.maxPool(x, 2, 2, 'valid');
  const theirs = tf.maxPool(x, 2, 2, 'valid');
  expect(Array.from(ours.dataSync())).toEqual([2, -Infinity]);
  expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
  const dx = gradOf(hm.maxPool, x, 2, 2, 'valid');
  expect(Array.from(dx.dataSync())).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
  tf.dispose([x, ours, theirs, dx]);
});
