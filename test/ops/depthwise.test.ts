// hm.depthwiseConv2d and hm.fused.depthwiseConv2d on the depthwise sweep, against the three
// oracles: tfjs's depthwise kernels (forward; gradients where tfjs has them: no dilation), the
// float64 reference of the grouped convolution a depthwise one is, and finite differences of that
// reference (the gradients tfjs lacks: dilation, and every second-order gradient). tfjs's
// depthwise kernels read x as NHWC whatever dataFormat says, so an NCHW case is compared with
// tfjs's result on x transposed to NHWC.

import * as tf from '@tensorflow/tfjs-core';

import {convGeometry, sizeOf} from '../../kernels/geometry';
import {ACTIVATIONS, type ConvAttrs, type Pair} from '../../kernels/names';
import {
  conv2dBackpropFilterReference,
  conv2dBackpropInputReference,
  conv2dReference,
} from '../../kernels/reference/conv2d';
import * as hm from '../../src/index';
import {type ConvCase, DEPTHWISE_CASES, depthwiseFilterShape, every} from '../cases/sweeps';
import {dot} from '../helpers/arrays';
import {expectClose} from '../helpers/close';
import {direction, directionalFD} from '../helpers/fd';
import {uniform} from '../helpers/random';
import {expectSecondOrder} from '../helpers/second_order';

const RTOL = 1e-5;
const isOne = (v: number | Pair | undefined) =>
  v == null || v === 1 || (Array.isArray(v) && v[0] === 1 && v[1] === 1);
const closeTo = (a: number, b: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(5e-5 * Math.max(1, Math.abs(b)));

beforeAll(() => tf.setBackend('cpu'));

type Depthwise = typeof hm.depthwiseConv2d;

/** x, W ↦ the case's depthwise convolution by `op`: tfjs's is run on NHWC data, as its kernels
 *  read it, with NCHW transposed to it and back. */
function depthwiseOf(op: Depthwise, a: ConvAttrs, tfjs = false) {
  return (x: tf.Tensor, w: tf.Tensor) => {
    const nchw = tfjs && a.dataFormat === 'NCHW';
    const pad = nchw && Array.isArray(a.pad) ? [a.pad[0], a.pad[2], a.pad[3], a.pad[1]] : a.pad;
    const y = op(
      (nchw ? tf.transpose(x, [0, 2, 3, 1]) : x) as tf.Tensor4D,
      w as tf.Tensor4D,
      a.strides,
      pad as 'same',
      tfjs ? 'NHWC' : a.dataFormat,
      a.dilations,
      a.dimRoundingMode,
    );
    return nchw ? tf.transpose(y, [0, 3, 1, 2]) : y;
  };
}

function operands(c: ConvCase) {
  const g = convGeometry(c.xShape, c.filterShape, c.attrs);
  const x = uniform(sizeOf(c.xShape), c.seed);
  const w = uniform(sizeOf(c.filterShape), c.seed + 1);
  return {g, x, w, wShape: depthwiseFilterShape(c)};
}

const cases = (list: ConvCase[]) => list.map((c) => [c.name, c] as const);

describe('hm.depthwiseConv2d forward vs tf.depthwiseConv2d and the reference', () => {
  test.each(cases(DEPTHWISE_CASES))('%s', async (_, c) => {
    const {g, x, w, wShape} = operands(c);
    const xt = tf.tensor(x, c.xShape);
    const wt = tf.tensor(w, wShape);
    const before = tf.memory().numTensors;
    const ours = depthwiseOf(hm.depthwiseConv2d, c.attrs)(xt, wt);
    const theirs = tf.tidy(() => depthwiseOf(tf.depthwiseConv2d, c.attrs, true)(xt, wt));
    expect(ours.shape).toEqual(g.outShape);
    const values = await ours.data();
    expectClose(values, await theirs.data(), g.outShape, RTOL, 'y vs tfjs');
    expectClose(values, conv2dReference(x, w, g), g.outShape, RTOL, 'y vs reference');
    tf.dispose([ours, theirs]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xt, wt]);
  });
});

describe('tf.grads through hm.depthwiseConv2d vs tfjs (no dilation) or the reference', () => {
  test.each(cases(every(DEPTHWISE_CASES, 2)))('%s', async (_, c) => {
    const {g, x, w, wShape} = operands(c);
    const r = uniform(sizeOf(g.outShape), c.seed + 2);
    const loss = (op: Depthwise, tfjs: boolean) => (xt: tf.Tensor, wt: tf.Tensor) =>
      tf.sum(tf.mul(depthwiseOf(op, c.attrs, tfjs)(xt, wt), tf.tensor(r, g.outShape)));
    const xt = tf.tensor(x, c.xShape);
    const wt = tf.tensor(w, wShape);
    const before = tf.memory().numTensors;
    const [dx, dW] = tf.grads(loss(hm.depthwiseConv2d, false))([xt, wt]);
    expect(dx.shape).toEqual(c.xShape);
    expect(dW.shape).toEqual(wShape);
    const [dxv, dWv] = [await dx.data(), await dW.data()];
    tf.dispose([dx, dW]);
    expect(tf.memory().numTensors).toBe(before);
    expectClose(dxv, conv2dBackpropInputReference(r, w, g), c.xShape, RTOL, 'dx vs reference');
    expectClose(dWv, conv2dBackpropFilterReference(x, r, g), wShape, RTOL, 'dW vs reference');
    if (isOne(c.attrs.dilations)) {
      const theirs = tf.grads(loss(tf.depthwiseConv2d, true))([xt, wt]);
      expectClose(dxv, await theirs[0].data(), c.xShape, RTOL, 'dx vs tfjs');
      expectClose(dWv, await theirs[1].data(), wShape, RTOL, 'dW vs tfjs');
      tf.dispose(theirs);
    } else {
      // tfjs's gradient throws for dilations > 1: finite differences of the reference instead.
      const L = (xp: ArrayLike<number>, wp: ArrayLike<number>) =>
        dot(conv2dReference(xp, wp, g), r);
      const v = direction(x.length, c.seed + 3);
      const u = direction(w.length, c.seed + 4);
      closeTo(
        dot(dxv, v),
        directionalFD((p) => L(p, w), x, v),
      );
      closeTo(
        dot(dWv, u),
        directionalFD((p) => L(x, p), w, u),
      );
    }
    tf.dispose([xt, wt]);
  });
});

describe('second-order depthwise gradients vs finite differences', () => {
  test.each(cases(every(DEPTHWISE_CASES, 6)))('%s', async (_, c) => {
    await expectSecondOrder(c, depthwiseOf(hm.depthwiseConv2d, c.attrs), depthwiseFilterShape(c));
  });
});

describe('hm.fused.depthwiseConv2d vs tf.fused.depthwiseConv2d, and its gradients', () => {
  const nhwc = DEPTHWISE_CASES.filter((c) => c.attrs.dataFormat === 'NHWC');
  const picked = ACTIVATIONS.map((activation, i) => [activation, nhwc[i * 3]] as const);
  test.each(picked.map(([act, c]) => [`${act} ${c.name}`, act, c] as const))(
    '%s',
    async (_, activation, c) => {
      const {g, x, w, wShape} = operands(c);
      const a = c.attrs;
      const xt = tf.tensor4d(x, c.xShape as [number, number, number, number]);
      const wt = tf.tensor4d(w, wShape as [number, number, number, number]);
      const bias = tf.tensor1d(uniform(g.outChannels, c.seed + 5));
      const prelu = tf.tensor1d(uniform(g.outChannels, c.seed + 6));
      const args = {
        strides: a.strides,
        pad: a.pad as 'same',
        dilations: a.dilations,
        dimRoundingMode: a.dimRoundingMode,
        activation,
        preluActivationWeights: activation === 'prelu' ? prelu : undefined,
        leakyreluAlpha: 0.3,
      };
      const before = tf.memory().numTensors;
      const ours = hm.fused.depthwiseConv2d({x: xt, filter: wt, bias, ...args});
      const theirs = tf.fused.depthwiseConv2d({x: xt, filter: wt, bias, ...args});
      expectClose(await ours.data(), await theirs.data(), g.outShape, RTOL, 'y');
      // The gradient, against the same function composed of unfused ops.
      const r = tf.tensor(uniform(sizeOf(g.outShape), c.seed + 7), g.outShape);
      const composed = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
        const z = tf.add(
          hm.depthwiseConv2d(
            xx as tf.Tensor4D,
            ww as tf.Tensor4D,
            a.strides,
            a.pad as 'same',
            'NHWC',
            a.dilations,
            a.dimRoundingMode,
          ),
          bb,
        );
        switch (activation) {
          case 'linear':
            return z;
          case 'relu':
            return tf.relu(z);
          case 'relu6':
            return tf.relu6(z);
          case 'elu':
            return tf.elu(z);
          case 'sigmoid':
            return tf.sigmoid(z);
          case 'leakyrelu':
            return tf.leakyRelu(z, 0.3);
          case 'prelu':
            return tf.prelu(z, prelu);
        }
      };
      const loss =
        (f: (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.Tensor) =>
        (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.mul(f(xx, ww, bb), r));
      const fusedGrads = tf.grads(
        loss((xx, ww, bb) =>
          hm.fused.depthwiseConv2d({
            x: xx as tf.Tensor4D,
            filter: ww as tf.Tensor4D,
            bias: bb,
            ...args,
          }),
        ),
      )([xt, wt, bias]);
      const composedGrads = tf.grads(loss(composed))([xt, wt, bias]);
      for (let i = 0; i < 3; i++) {
        expect(fusedGrads[i].shape).toEqual(composedGrads[i].shape);
        expectClose(
          await fusedGrads[i].data(),
          await composedGrads[i].data(),
          composedGrads[i].shape,
          1e-4,
          ['dx', 'dW', 'dbias'][i],
        );
      }
      tf.dispose([ours, theirs, r, ...fusedGrads, ...composedGrads]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([xt, wt, bias, prelu]);
    },
  );
});

describe('depthwise argument errors, before any work', () => {
  const x = () => tf.zeros([1, 5, 5, 3]);
  test('a filter that takes other channels than x has', () => {
    const [xt, w] = [x(), tf.zeros([3, 3, 4, 1])];
    const before = tf.memory().numTensors;
    expect(() => hm.depthwiseConv2d(xt as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')).toThrow(
      /hm\.depthwiseConv2d: the depthwise filter \[3,3,4,1\].*input's 3 channels \(x \[1,5,5,3\], NHWC\)/,
    );
    expect(() =>
      hm.fused.depthwiseConv2d({
        x: xt as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: 1,
        pad: 0,
      }),
    ).toThrow(/hm\.fused\.depthwiseConv2d: the depthwise filter \[3,3,4,1\]/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xt, w]);
  });
  test('NCHW reads the channels from axis 1', () => {
    const [xt, w] = [tf.zeros([1, 3, 5, 5]), tf.zeros([3, 3, 5, 1])];
    expect(() =>
      hm.depthwiseConv2d(xt as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NCHW'),
    ).toThrow(/input's 3 channels \(x \[1,3,5,5\], NCHW\), got 5/);
    tf.dispose([xt, w]);
  });
  test('a filter of another rank, a bias of the wrong size', () => {
    const xt = x();
    const w3 = tf.zeros([3, 3, 3]);
    expect(() => hm.depthwiseConv2d(xt as tf.Tensor4D, w3 as tf.Tensor4D, 1, 'same')).toThrow(
      /hm\.depthwiseConv2d: filter must be rank 4, got rank 3/,
    );
    const w = tf.zeros([3, 3, 3, 2]);
    const bias = tf.zeros([3]);
    expect(() =>
      hm.fused.depthwiseConv2d({
        x: xt as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        bias,
      }),
    ).toThrow(/bias of shape \[3\] must be a scalar or hold one value per output channel \(6\)/);
    tf.dispose([xt, w3, w, bias]);
  });
  test('rank-3 x gives a rank-3 y, as tf.depthwiseConv2d', () => {
    const xt = tf.randomUniform([6, 6, 2], -1, 1, 'float32', 3);
    const w = tf.randomUniform([3, 3, 2, 2], -1, 1, 'float32', 4);
    const ours = hm.depthwiseConv2d(xt as tf.Tensor3D, w as tf.Tensor4D, 2, 'same');
    const theirs = tf.depthwiseConv2d(xt as tf.Tensor3D, w as tf.Tensor4D, 2, 'same');
    expect(ours.shape).toEqual([3, 3, 4]);
    expectClose(ours.dataSync(), theirs.dataSync(), [3, 3, 4], RTOL, 'y');
    tf.dispose([xt, w, ours, theirs]);
  });
});
