// Second-order gradients (tf.grad of a tf.grad) against finite differences of the float64
// reference. With L = ½ Σ y², y = op(x, W), the first-order gradients are themselves the
// backward kernels (gx = BackpropInput(y, W), gW = BackpropFilter(x, y)); differentiating
// h = <v, gx> and h' = <u, gW> again runs every gradient of every backward row of the table.

import * as tf from '@tensorflow/tfjs-core';

import {poolGeometry, sizeOf} from '../../kernels/geometry';
import {maxPoolGradReference, maxPoolReference} from '../../kernels/reference/max_pool';
import * as hm from '../../src/index';
import {CONV_CASES, every, POOL_CASES} from '../cases/sweeps';
import {dot} from '../helpers/arrays';
import {direction, directionalFD} from '../helpers/fd';
import {distinct, uniform} from '../helpers/random';
import {expectSecondOrder} from '../helpers/second_order';

beforeAll(() => tf.setBackend('cpu'));

const closeTo = (a: number, b: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(5e-5 * Math.max(1, Math.abs(b)));

describe('second-order convolution gradients vs finite differences', () => {
  test.each(every(CONV_CASES, 12).map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const a = c.attrs;
    await expectSecondOrder(c, (xt, wt) =>
      hm.conv2d(
        xt as tf.Tensor4D,
        wt as tf.Tensor4D,
        a.strides,
        a.pad as 'same',
        a.dataFormat,
        a.dilations,
        a.dimRoundingMode,
      ),
    );
  });
});

describe('second-order max-pool gradient vs finite differences', () => {
  test.each(every(POOL_CASES, 8).map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const g = poolGeometry(c.xShape, c.attrs);
    const x = distinct(sizeOf(c.xShape), c.seed);
    const v = uniform(x.length, c.seed + 1);
    const a = c.attrs;
    const pool = (t: tf.Tensor) =>
      hm.maxPool(
        t as tf.Tensor4D,
        a.filterSize,
        a.strides,
        a.pad as 'same',
        a.dimRoundingMode,
        a.dataFormat,
        a.dilations,
      );
    const before = tf.memory().numTensors;
    const hx = tf.tidy(() =>
      tf.grad((xt: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.tensor(v, c.xShape),
            tf.grad((p: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(pool(p)))))(xt),
          ),
        ),
      )(tf.tensor(x, c.xShape)),
    );
    const grad = await hx.data();
    hx.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const h = (xp: ArrayLike<number>) => {
      const {y, argmax} = maxPoolReference(xp, g);
      return dot(
        maxPoolGradReference(
          y.map((t) => (Number.isFinite(t) ? t : 0)),
          argmax,
          g,
        ),
        v,
      );
    };
    const dir = direction(x.length, c.seed + 2);
    closeTo(dot(grad, dir), directionalFD(h, x, dir, 1e-6));
  });
});
