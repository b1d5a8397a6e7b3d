// The public ops' gradients (float32, through tf.grads) against central finite differences of the
// float64 reference forward, where tfjs has no gradient to compare with: dilation, groups and
// depthwise, dimRoundingMode, NCHW fused convolution. Checked along random directions:
//   <∂L/∂p, v> ≈ (L(p + εv) - L(p - εv)) / 2ε,   L = Σ r ⊙ op(...)
// and element by element against the reference backward kernels.

import * as tf from '@tensorflow/tfjs-core';

import {convGeometry, poolGeometry, sizeOf} from '../../kernels/geometry';
import type {Activation, Pair} from '../../kernels/names';
import {conv2dReference} from '../../kernels/reference/conv2d';
import {maxPoolReference} from '../../kernels/reference/max_pool';
import * as hm from '../../src/index';
import {CONV_CASES, every, POOL_CASES} from '../cases/sweeps';
import {dot} from '../helpers/arrays';
import {direction, directionalFD} from '../helpers/fd';
import {distinct, uniform} from '../helpers/random';

const TOL = 2e-5;
const notOne = (v: number | Pair | undefined) =>
  v != null && v !== 1 && !(Array.isArray(v) && v[0] === 1 && v[1] === 1);
const closeTo = (a: number, b: number, scale: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(TOL * Math.max(1, scale));

beforeAll(() => tf.setBackend('cpu'));

describe('tf.grads through hm.conv2d vs finite differences (dilation, groups, rounding mode)', () => {
  const cases = CONV_CASES.filter(
    (c) => c.groups > 1 || notOne(c.attrs.dilations) || c.attrs.dimRoundingMode != null,
  );
  test.each(every(cases, 2).map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const g = convGeometry(c.xShape, c.filterShape, c.attrs);
    const x = uniform(sizeOf(c.xShape), c.seed);
    const w = uniform(sizeOf(c.filterShape), c.seed + 1);
    const r = uniform(sizeOf(g.outShape), c.seed + 2);
    const a = c.attrs;
    const before = tf.memory().numTensors;
    const [dx, dW] = tf.tidy(() =>
      tf.grads((xt: tf.Tensor, wt: tf.Tensor) =>
        tf.sum(
          tf.mul(
            hm.conv2d(
              xt as tf.Tensor4D,
              wt as tf.Tensor4D,
              a.strides,
              a.pad as 'same',
              a.dataFormat,
              a.dilations,
              a.dimRoundingMode,
            ),
            tf.tensor(r, g.outShape),
          ),
        ),
      )([tf.tensor(x, c.xShape), tf.tensor(w, c.filterShape)]),
    );
    const [dxv, dWv] = [await dx.data(), await dW.data()];
    tf.dispose([dx, dW]);
    expect(tf.memory().numTensors).toBe(before);
    const v = direction(x.length, c.seed + 3);
    const u = direction(w.length, c.seed + 4);
    const fdX = directionalFD((p) => dot(conv2dReference(p, w, g), r), x, v);
    const fdW = directionalFD((p) => dot(conv2dReference(x, p, g), r), w, u);
    closeTo(dot(dxv, v), fdX, Math.abs(fdX));
    closeTo(dot(dWv, u), fdW, Math.abs(fdW));
  });
});

describe('tf.grads through hm.fused.conv2d vs finite differences (every activation, NCHW and dilated)', () => {
  const act: Record<Activation, (z: number, i: number, p: ArrayLike<number>) => number> = {
    linear: (z) => z,
    relu: (z) => Math.max(z, 0),
    relu6: (z) => Math.min(Math.max(z, 0), 6),
    elu: (z) => (z > 0 ? z : Math.exp(z) - 1),
    leakyrelu: (z) => (z > 0 ? z : 0.1 * z),
    prelu: (z, c, p) => (z > 0 ? z : p[c] * z),
    sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  };
  const cases = CONV_CASES.filter(
    (c) => c.attrs.dataFormat === 'NCHW' || notOne(c.attrs.dilations),
  );
  const rows = (Object.keys(act) as Activation[]).flatMap((name, i) =>
    every(cases.slice(i * 5), 9)
      .slice(0, 2)
      .map((c) => [`${name} ${c.name}`, c, name] as const),
  );
  test.each(rows)('%s', async (_, c, activation) => {
    const g = convGeometry(c.xShape, c.filterShape, c.attrs);
    const outC = g.outChannels;
    const channelOf = (i: number) =>
      c.attrs.dataFormat === 'NHWC' ? i % outC : Math.floor(i / (g.outHeight * g.outWidth)) % outC;
    const x = uniform(sizeOf(c.xShape), c.seed);
    const w = uniform(sizeOf(c.filterShape), c.seed + 1);
    const bias = uniform(outC, c.seed + 2);
    const prelu = uniform(outC, c.seed + 3);
    const r = uniform(sizeOf(g.outShape), c.seed + 4);
    const loss = (
      xp: ArrayLike<number>,
      wp: ArrayLike<number>,
      bp: ArrayLike<number>,
      pp: ArrayLike<number>,
    ) =>
      dot(
        Array.from(conv2dReference(xp, wp, g), (z, i) =>
          act[activation](z + bp[channelOf(i)], channelOf(i), pp),
        ),
        r,
      );
    const a = c.attrs;
    const grads = tf.tidy(() =>
      tf.grads((xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor, pt: tf.Tensor) =>
        tf.sum(
          tf.mul(
            hm.fused.conv2d({
              x: xt as tf.Tensor4D,
              filter: wt as tf.Tensor4D,
              strides: a.strides,
              pad: a.pad as 'same',
              dataFormat: a.dataFormat,
              dilations: a.dilations,
              dimRoundingMode: a.dimRoundingMode,
              bias: bt,
              activation,
              leakyreluAlpha: 0.1,
              preluActivationWeights: pt,
            }),
            tf.tensor(r, g.outShape),
          ),
        ),
      )([
        tf.tensor(x, c.xShape),
        tf.tensor(w, c.filterShape),
        tf.tensor1d(bias),
        tf.tensor1d(prelu),
      ]),
    );
    const [dx, dW, db, dp] = await Promise.all(grads.map((t) => t.data()));
    tf.dispose(grads);
    const dirs = [x, w, bias, prelu].map((p, k) => direction(p.length, c.seed + 10 + k));
    const fds = [
      directionalFD((p) => loss(p, w, bias, prelu), x, dirs[0], 1e-6),
      directionalFD((p) => loss(x, p, bias, prelu), w, dirs[1], 1e-6),
      directionalFD((p) => loss(x, w, p, prelu), bias, dirs[2], 1e-6),
      directionalFD((p) => loss(x, w, bias, p), prelu, dirs[3], 1e-6),
    ];
    [dx, dW, db, dp].forEach((grad, k) => closeTo(dot(grad, dirs[k]), fds[k], Math.abs(fds[k])));
  });
});

describe('tf.grad through hm.maxPool vs finite differences (NCHW, dilation, rounding mode)', () => {
  const cases = POOL_CASES.filter(
    (c) =>
      c.attrs.dataFormat === 'NCHW' || notOne(c.attrs.dilations) || c.attrs.dimRoundingMode != null,
  );
  test.each(every(cases, 2).map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const g = poolGeometry(c.xShape, c.attrs);
    const x = distinct(sizeOf(c.xShape), c.seed);
    const r = uniform(sizeOf(g.outShape), c.seed + 1);
    const a = c.attrs;
    const dx = tf.tidy(() =>
      tf.grad((xt: tf.Tensor) =>
        tf.sum(
          tf.mul(
            hm.maxPool(
              xt as tf.Tensor4D,
              a.filterSize,
              a.strides,
              a.pad as 'same',
              a.dimRoundingMode,
              a.dataFormat,
              a.dilations,
            ),
            tf.tensor(r, g.outShape),
          ),
        ),
      )(tf.tensor(x, c.xShape)),
    );
    const dxv = await dx.data();
    dx.dispose();
    const v = direction(x.length, c.seed + 2);
    const fd = directionalFD(
      (p) =>
        dot(
          maxPoolReference(p, g).y.map((t) => (Number.isFinite(t) ? t : 0)),
          r,
        ),
      x,
      v,
      1e-6,
    );
    closeTo(dot(dxv, v), fd, Math.abs(fd));
  });
});
