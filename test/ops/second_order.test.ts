// Second-order gradients (tf.grad of a tf.grad) against finite differences of the float64
// reference. With L = ½ Σ y², y = op(x, W), the first-order gradients are themselves the
// backward kernels (gx = BackpropInput(y, W), gW = BackpropFilter(x, y)); differentiating
// h = <v, gx> and h' = <u, gW> again runs every gradient of every backward row of the table.

import * as tf from '@tensorflow/tfjs-core';

import {convGeometry, poolGeometry, sizeOf} from '../../kernels/geometry';
import {
  conv2dBackpropFilterReference,
  conv2dBackpropInputReference,
  conv2dReference,
} from '../../kernels/reference/conv2d';
import {maxPoolGradReference, maxPoolReference} from '../../kernels/reference/max_pool';
import * as hm from '../../src/index';
import {CONV_CASES, every, POOL_CASES} from '../cases/sweeps';
import {dot} from '../helpers/arrays';
import {direction, directionalFD} from '../helpers/fd';
import {distinct, uniform} from '../helpers/random';

beforeAll(() => tf.setBackend('cpu'));

const closeTo = (a: number, b: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(5e-5 * Math.max(1, Math.abs(b)));

describe('second-order convolution gradients vs finite differences', () => {
  test.each(every(CONV_CASES, 12).map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const g = convGeometry(c.xShape, c.filterShape, c.attrs);
    const x = uniform(sizeOf(c.xShape), c.seed);
    const w = uniform(sizeOf(c.filterShape), c.seed + 1);
    const v = uniform(x.length, c.seed + 2);
    const u = uniform(w.length, c.seed + 3);
    const a = c.attrs;
    const conv = (xt: tf.Tensor, wt: tf.Tensor) =>
      hm.conv2d(
        xt as tf.Tensor4D,
        wt as tf.Tensor4D,
        a.strides,
        a.pad as 'same',
        a.dataFormat,
        a.dilations,
        a.dimRoundingMode,
      );
    const halfSquare = (t: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(t)));
    const before = tf.memory().numTensors;
    // h(x, W) = <v, ∂L/∂x>  and  h'(x, W) = <u, ∂L/∂W>
    const hOf = (which: 0 | 1, dirT: tf.Tensor) => (xt: tf.Tensor, wt: tf.Tensor) =>
      tf.sum(
        tf.mul(
          dirT,
          tf.grads((p: tf.Tensor, q: tf.Tensor) => halfSquare(conv(p, q)))([xt, wt])[which],
        ),
      );
    const [hx, hw] = tf.tidy(() => {
      const [xt, wt] = [tf.tensor(x, c.xShape), tf.tensor(w, c.filterShape)];
      return [
        tf.grads(hOf(0, tf.tensor(v, c.xShape)))([xt, wt]),
        tf.grads(hOf(1, tf.tensor(u, c.filterShape)))([xt, wt]),
      ];
    });
    const grads = await Promise.all([...hx, ...hw].map((t) => t.data()));
    tf.dispose([...hx, ...hw]);
    expect(tf.memory().numTensors).toBe(before);
    const h = (xp: ArrayLike<number>, wp: ArrayLike<number>) =>
      dot(conv2dBackpropInputReference(conv2dReference(xp, wp, g), wp, g), v);
    const h2 = (xp: ArrayLike<number>, wp: ArrayLike<number>) =>
      dot(conv2dBackpropFilterReference(xp, conv2dReference(xp, wp, g), g), u);
    const dx = direction(x.length, c.seed + 4);
    const dw = direction(w.length, c.seed + 5);
    closeTo(
      dot(grads[0], dx),
      directionalFD((p) => h(p, w), x, dx),
    );
    closeTo(
      dot(grads[1], dw),
      directionalFD((p) => h(x, p), w, dw),
    );
    closeTo(
      dot(grads[2], dx),
      directionalFD((p) => h2(p, w), x, dx),
    );
    closeTo(
      dot(grads[3], dw),
      directionalFD((p) => h2(x, p), w, dw),
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
