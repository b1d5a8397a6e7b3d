// The forward's packed filters on tfjs-wasm's heap are kept by the filter's dataId
// (kernels/simd/wasm_heap.ts): a second call with the same filter must give what a fresh
// packing gives, a tensor that shares the dataId under another shape (a reshape) must be packed
// for its own shape, a variable's new value must be used after assign, and the packings of
// disposed filters must be freed.

import '@tensorflow/tfjs-backend-wasm';

import * as tf from '@tensorflow/tfjs-core';

import {packedFilterCount} from '../../kernels/simd/wasm_heap';
import * as hm from '../../src/index';
import {expectClose} from '../helpers/close';
import {uniform} from '../helpers/random';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

/** hm.conv2d of the values of x and w on the cpu backend: the oracle. */
async function onCpu(x: tf.Tensor4D, w: tf.Tensor4D, pad: 'same' | 'valid'): Promise<Float32Array> {
  const [xv, wv] = [x.dataSync(), w.dataSync()];
  await tf.setBackend('cpu');
  const y = hm.conv2d(tf.tensor4d(xv, x.shape), tf.tensor4d(wv, w.shape), 1, pad);
  const values = y.dataSync() as Float32Array;
  tf.dispose(y);
  await tf.setBackend('wasm');
  return values;
}

const tensor4d = (shape: [number, number, number, number], seed: number) =>
  tf.tensor4d(
    uniform(
      shape.reduce((a, b) => a * b),
      seed,
    ),
    shape,
  );

test('the same filter twice, on two inputs, as packed afresh', async () => {
  const w = tensor4d([3, 3, 16, 24], 1);
  for (const [x, seed] of [[[1, 7, 7, 16], 2] as const, [[2, 5, 9, 16], 3] as const]) {
    const xs = tensor4d([...x], seed);
    const y = hm.conv2d(xs, w, 1, 'same');
    expectClose(y.dataSync(), await onCpu(xs, w, 'same'), y.shape, 1e-5, 'y');
    tf.dispose([xs, y]);
  }
  expect(packedFilterCount(tf.backend())).toBeGreaterThanOrEqual(1);
  w.dispose();
});

test('a reshape that shares the dataId is packed for its own shape', async () => {
  const w = tensor4d([1, 1, 8, 12], 4);
  const w2 = tf.reshape(w, [1, 1, 12, 8]) as tf.Tensor4D;
  const x1 = tensor4d([1, 4, 4, 8], 5);
  const x2 = tensor4d([1, 4, 4, 12], 6);
  const y1 = hm.conv2d(x1, w, 1, 'valid');
  const y2 = hm.conv2d(x2, w2, 1, 'valid');
  expectClose(y1.dataSync(), await onCpu(x1, w, 'valid'), y1.shape, 1e-5, 'y1');
  expectClose(y2.dataSync(), await onCpu(x2, w2, 'valid'), y2.shape, 1e-5, 'y2');
  tf.dispose([w, w2, x1, x2, y1, y2]);
});

test("a variable's assigned value is the one used", async () => {
  const v = tf.variable(tensor4d([3, 3, 4, 8], 7));
  const x = tensor4d([1, 6, 6, 4], 8);
  const before = hm.conv2d(x, v as tf.Variable<tf.Rank.R4>, 1, 'same');
  v.assign(tensor4d([3, 3, 4, 8], 9));
  const after = hm.conv2d(x, v as tf.Variable<tf.Rank.R4>, 1, 'same');
  const expected = await onCpu(x, v as tf.Variable<tf.Rank.R4>, 'same');
  expectClose(after.dataSync(), expected, after.shape, 1e-5, 'after assign');
  expect(Array.from(before.dataSync())).not.toEqual(Array.from(after.dataSync()));
  tf.dispose([v, x, before, after]);
});

test('the packings of disposed filters are freed', () => {
  const x = tensor4d([1, 5, 5, 8], 10);
  for (let i = 0; i < 20; i++) {
    const w = tensor4d([3, 3, 8, 8], 100 + i);
    tf.dispose([hm.conv2d(x, w, 1, 'same'), w]);
  }
  // At most the last filter's packing and one from before this test remain.
  expect(packedFilterCount(tf.backend())).toBeLessThanOrEqual(3);
  x.dispose();
});
