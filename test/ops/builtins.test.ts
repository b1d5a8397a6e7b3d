// The public ops against tfjs's built-in cpu kernels, forward and through tf.grads, on every
// sweep geometry the built-ins support: groups 1 for convolution, NHWC for max pool, and for
// gradients no dilation and no dimRoundingMode (tfjs's gradients reject the one and drop the
// other). Max-pool inputs are distinct, so there are no ties to break differently.

import * as tf from '@tensorflow/tfjs-core';

import {sizeOf} from '../../kernels/geometry';
import {ACTIVATIONS, type ConvAttrs, type Pair} from '../../kernels/names';
import * as hm from '../../src/index';
import {CONV_CASES, every, POOL_CASES} from '../cases/sweeps';
import {expectClose} from '../helpers/close';
import {distinct, uniform} from '../helpers/random';

const RTOL = 1e-5;
const isOne = (v: number | Pair | undefined) =>
  v == null || v === 1 || (Array.isArray(v) && v[0] === 1 && v[1] === 1);

beforeAll(() => tf.setBackend('cpu'));

function convOf(conv: typeof tf.conv2d, a: ConvAttrs) {
  return (x: tf.Tensor, w: tf.Tensor) =>
    conv(
      x as tf.Tensor4D,
      w as tf.Tensor4D,
      a.strides,
      a.pad as 'same',
      a.dataFormat,
      a.dilations,
      a.dimRoundingMode,
    );
}

async function expectSameTensors(actual: tf.Tensor[], expected: tf.Tensor[], labels: string[]) {
  for (let i = 0; i < actual.length; i++) {
    expect(actual[i].shape).toEqual(expected[i].shape);
    expectClose(
      await actual[i].data(),
      await expected[i].data(),
      expected[i].shape,
      RTOL,
      labels[i],
    );
  }
}

describe('hm.conv2d vs tf.conv2d (forward; groups 1)', () => {
  const cases = CONV_CASES.filter((c) => c.groups === 1);
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const x = tf.tensor(uniform(sizeOf(c.xShape), c.seed), c.xShape);
    const w = tf.tensor(uniform(sizeOf(c.filterShape), c.seed + 1), c.filterShape);
    const before = tf.memory().numTensors;
    const ours = convOf(hm.conv2d, c.attrs)(x, w);
    const theirs = convOf(tf.conv2d, c.attrs)(x, w);
    await expectSameTensors([ours], [theirs], ['y']);
    tf.dispose([ours, theirs]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});

describe('tf.grads through hm.conv2d vs through tf.conv2d (groups 1, no dilation, no rounding mode)', () => {
  const cases = CONV_CASES.filter(
    (c) => c.groups === 1 && isOne(c.attrs.dilations) && c.attrs.dimRoundingMode == null,
  );
  test.each(every(cases, 2).map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const x = tf.tensor(uniform(sizeOf(c.xShape), c.seed), c.xShape);
    const w = tf.tensor(uniform(sizeOf(c.filterShape), c.seed + 1), c.filterShape);
    const loss = (conv: typeof tf.conv2d) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(convOf(conv, c.attrs)(a, b)));
    const before = tf.memory().numTensors;
    const ours = tf.grads(loss(hm.conv2d))([x, w]);
    const theirs = tf.grads(loss(tf.conv2d))([x, w]);
    await expectSameTensors(ours, theirs, ['dx', 'dW']);
    tf.dispose([...ours, ...theirs]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});

describe('hm.fused.conv2d vs tf.fused.conv2d (forward and tf.grads, NHWC)', () => {
  const cases = CONV_CASES.filter(
    (c) =>
      c.groups === 1 &&
      c.attrs.dataFormat === 'NHWC' &&
      isOne(c.attrs.dilations) &&
      c.attrs.dimRoundingMode == null,
  );
  const rows = ACTIVATIONS.flatMap((act, i) =>
    every(cases.slice(i * 3), 7)
      .slice(0, 3)
      .flatMap((c) => [
        [`${act} bias=[outC] ${c.name}`, c, act, 'channel'] as const,
        [`${act} bias=scalar ${c.name}`, c, act, 'scalar'] as const,
      ]),
  );
  test.each(rows)('%s', async (_, c, activation, biasKind) => {
    const outC = c.filterShape[3];
    const x = tf.tensor(uniform(sizeOf(c.xShape), c.seed), c.xShape) as unknown as tf.Tensor4D;
    const w = tf.tensor(
      uniform(sizeOf(c.filterShape), c.seed + 1),
      c.filterShape,
    ) as unknown as tf.Tensor4D;
    const bias = biasKind === 'channel' ? tf.tensor1d(uniform(outC, c.seed + 2)) : tf.scalar(0.3);
    const prelu = tf.tensor1d(uniform(outC, c.seed + 3));
    const args = (a: tf.Tensor, b: tf.Tensor, bb: tf.Tensor, p: tf.Tensor) => ({
      x: a as tf.Tensor4D,
      filter: b as tf.Tensor4D,
      strides: c.attrs.strides,
      pad: c.attrs.pad as 'same',
      bias: bb,
      activation,
      preluActivationWeights: activation === 'prelu' ? p : undefined,
      leakyreluAlpha: 0.15,
    });
    const before = tf.memory().numTensors;
    const ours = hm.fused.conv2d(args(x, w, bias, prelu));
    const theirs = tf.fused.conv2d(args(x, w, bias, prelu));
    await expectSameTensors([ours], [theirs], ['y']);
    const loss =
      (op: typeof tf.fused.conv2d) => (a: tf.Tensor, b: tf.Tensor, bb: tf.Tensor, p: tf.Tensor) =>
        tf.sum(tf.square(op(args(a, b, bb, p))));
    const inputs = activation === 'prelu' ? [x, w, bias, prelu] : [x, w, bias];
    const g1 = tf.grads(loss(hm.fused.conv2d))(inputs);
    const g2 = tf.grads(loss(tf.fused.conv2d))(inputs);
    await expectSameTensors(g1, g2, ['dx', 'dW', 'dbias', 'dprelu']);
    tf.dispose([ours, theirs, ...g1, ...g2]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, bias, prelu]);
  });
});

describe('hm.maxPool vs tf.maxPool (forward and tf.grad; NHWC, no dilation)', () => {
  const cases = POOL_CASES.filter((c) => c.attrs.dataFormat === 'NHWC' && isOne(c.attrs.dilations));
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const x = tf.tensor(distinct(sizeOf(c.xShape), c.seed), c.xShape) as unknown as tf.Tensor4D;
    const a = c.attrs;
    const before = tf.memory().numTensors;
    const ours = hm.maxPool(x, a.filterSize, a.strides, a.pad as 'same', a.dimRoundingMode);
    const theirs = tf.maxPool(x, a.filterSize, a.strides, a.pad as 'same', a.dimRoundingMode);
    await expectSameTensors([ours], [theirs], ['y']);
    if (a.dimRoundingMode == null) {
      const loss = (pool: typeof tf.maxPool) => (t: tf.Tensor) =>
        tf.sum(tf.square(pool(t as tf.Tensor4D, a.filterSize, a.strides, a.pad as 'same')));
      const g1 = tf.grad(loss(hm.maxPool))(x);
      const g2 = tf.grad(loss(tf.maxPool))(x);
      await expectSameTensors([g1], [g2], ['dx']);
      tf.dispose([g1, g2]);
    }
    tf.dispose([ours, theirs]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
