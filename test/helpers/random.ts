// The tests' random data comes from the package's own seeded generator (src/compare/random.ts),
// so the comparison harness and the tests see the same numbers for the same seeds.
import * as tf from '@tensorflow/tfjs-core';

import {uniform} from '../../src/compare/random';

export {distinct, rng, shuffled, uniform} from '../../src/compare/random';

/** A tensor of `shape` holding uniform(size, seed). */
export function seededTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    uniform(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}
