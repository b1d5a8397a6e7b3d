// The second-order check of a convolution op, shared by the conv and depthwise suites: with
// L = ½ Σ y², y = op(x, W), the first-order gradients are the backward kernels (gx =
// BackpropInput(y, W), gW = BackpropFilter(x, y)); h = <v, gx> and h' = <u, gW> are
// differentiated again through tf.grads and compared with central finite differences of the
// float64 reference along random directions.

import * as tf from '@tensorflow/tfjs-core';

import {convGeometry, sizeOf} from '../../kernels/geometry';
import {
  conv2dBackpropFilterReference,
  conv2dBackpropInputReference,
  conv2dReference,
} from '../../kernels/reference/conv2d';
import type {ConvCase} from '../cases/sweeps';
import {dot} from './arrays';
import {direction, directionalFD} from './fd';
import {uniform} from './random';

const closeTo = (a: number, b: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(5e-5 * Math.max(1, Math.abs(b)));

/** Checks the second-order gradients of `op` on case c, whose filter the op takes in the shape
 *  wShape (the values of c's grouped filter, in the same order). */
export async function expectSecondOrder(
  c: ConvCase,
  op: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor,
  wShape: number[] = c.filterShape,
): Promise<void> {
  const g = convGeometry(c.xShape, c.filterShape, c.attrs);
  const x = uniform(sizeOf(c.xShape), c.seed);
  const w = uniform(sizeOf(c.filterShape), c.seed + 1);
  const v = uniform(x.length, c.seed + 2);
  const u = uniform(w.length, c.seed + 3);
  const halfSquare = (t: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(t)));
  const before = tf.memory().numTensors;
  // h(x, W) = <v, ∂L/∂x>  and  h'(x, W) = <u, ∂L/∂W>
  const hOf = (which: 0 | 1, dirT: tf.Tensor) => (xt: tf.Tensor, wt: tf.Tensor) =>
    tf.sum(
      tf.mul(dirT, tf.grads((p: tf.Tensor, q: tf.Tensor) => halfSquare(op(p, q)))([xt, wt])[which]),
    );
  const [hx, hw] = tf.tidy(() => {
    const [xt, wt] = [tf.tensor(x, c.xShape), tf.tensor(w, wShape)];
    return [
      tf.grads(hOf(0, tf.tensor(v, c.xShape)))([xt, wt]),
      tf.grads(hOf(1, tf.tensor(u, wShape)))([xt, wt]),
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
}
