// The seeds' worked example (test/fixtures/seed_worked_example.json): one 5x5x3 image, two 3x3
// filters, padding 1, stride 2, biases [1, 0]. The fixture is NCHW with OIHW filters, so it runs
// as an NCHW convolution with the filter moved to HWIO. Small integers: the answers are exact.

import '../../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {convGeometry, poolGeometry} from '../../kernels/geometry';
import * as names from '../../kernels/names';
import {
  biasGradReference,
  conv2dBackpropFilterReference,
  conv2dBackpropInputReference,
  conv2dReference,
} from '../../kernels/reference/conv2d';
import {maxPoolGradReference, maxPoolReference} from '../../kernels/reference/max_pool';
import fixture from '../fixtures/seed_worked_example.json';
import {flat, hwioToOihw, oihwToHwio} from '../helpers/arrays';

const x = flat(fixture.x_nchw);
const filterShape = [3, 3, 3, 2];
const w = oihwToHwio(flat(fixture.w_oihw), [2, 3, 3, 3]);
const attrs = {
  strides: fixture.stride,
  pad: fixture.pad,
  dataFormat: 'NCHW' as const,
  dilations: 1,
};
const g = convGeometry([1, 3, 5, 5], filterShape, attrs);
const dy = flat(fixture.dy_nchw);
const withBias = (y: ArrayLike<number>) =>
  Array.from(y, (v, i) => v + fixture.bias[Math.floor(i / 9) % 2]);

describe('reference kernels reproduce the seeds worked example exactly', () => {
  test('geometry: 5x5 input, 3x3 filter, pad 1, stride 2 gives 3x3', () => {
    expect(g.outShape).toEqual([1, 2, 3, 3]);
  });
  test('forward y = conv(x, W) + b', () => {
    expect(withBias(conv2dReference(x, w, g))).toEqual(flat(fixture.y_nchw));
  });
  test('input gradient dx', () => {
    expect(Array.from(conv2dBackpropInputReference(dy, w, g))).toEqual(flat(fixture.dx_nchw));
  });
  test('filter gradient dW', () => {
    expect(hwioToOihw(conv2dBackpropFilterReference(x, dy, g), filterShape)).toEqual(
      flat(fixture.dw_oihw),
    );
  });
  test('bias gradient db', () => {
    expect(Array.from(biasGradReference(dy, g))).toEqual(fixture.dbias);
  });
  test('max pool 2x2/2 forward and backward', () => {
    const m = fixture.maxpool;
    const pg = poolGeometry([1, 1, 4, 4], {
      filterSize: 2,
      strides: 2,
      pad: 'valid',
      dataFormat: 'NCHW',
    });
    const {y, argmax} = maxPoolReference(flat(m.x_nchw), pg);
    expect(Array.from(y)).toEqual(flat(m.y_nchw));
    expect(Array.from(maxPoolGradReference(flat(m.dy_nchw), argmax, pg))).toEqual(flat(m.dx_nchw));
  });
});

describe('cpu kernels reproduce the seeds worked example exactly', () => {
  beforeAll(() => tf.setBackend('cpu'));
  const run = (name: string, inputs: tf.NamedTensorMap, a: object) =>
    tf.engine().runKernel(name, inputs, a as unknown as tf.NamedAttrMap) as tf.Tensor;

  test('fused forward, dx, dW, db', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const xt = tf.tensor(x, [1, 3, 5, 5]);
      const wt = tf.tensor(w, filterShape);
      const bt = tf.tensor1d(fixture.bias);
      const dyt = tf.tensor(dy, [1, 2, 3, 3]);
      const y = run(
        names.HandmadeFusedConv2D,
        {x: xt, filter: wt, bias: bt},
        {...attrs, activation: 'linear'},
      );
      expect(Array.from(y.dataSync())).toEqual(flat(fixture.y_nchw));
      const dx = run(
        names.HandmadeConv2DBackpropInput,
        {dy: dyt, filter: wt},
        {...attrs, inputShape: [1, 3, 5, 5]},
      );
      expect(Array.from(dx.dataSync())).toEqual(flat(fixture.dx_nchw));
      const dW = run(names.HandmadeConv2DBackpropFilter, {x: xt, dy: dyt}, {...attrs, filterShape});
      expect(hwioToOihw(dW.dataSync(), filterShape)).toEqual(flat(fixture.dw_oihw));
      expect(Array.from(tf.sum(dyt, [0, 2, 3]).dataSync())).toEqual(fixture.dbias);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  test('max pool forward, argmax and backward', () => {
    const m = fixture.maxpool;
    tf.tidy(() => {
      const a = {filterSize: 2, strides: 2, pad: 'valid', dataFormat: 'NCHW'};
      const [y, argmax] = tf
        .engine()
        .runKernel(
          names.HandmadeMaxPool,
          {x: tf.tensor(flat(m.x_nchw), [1, 1, 4, 4])},
          a as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
      expect(Array.from(y.dataSync())).toEqual(flat(m.y_nchw));
      // window-local index wR * 2 + wC of each maximum: 6 at (1,1), 8 at (1,1), 3 at (0,0),
      // 4 at (1,1)
      expect(Array.from(argmax.dataSync())).toEqual([3, 3, 0, 3]);
      const dx = run(
        names.HandmadeMaxPoolGrad,
        {dy: tf.tensor(flat(m.dy_nchw), [1, 1, 2, 2]), argmax},
        {...a, inputShape: [1, 1, 4, 4]},
      );
      expect(Array.from(dx.dataSync())).toEqual(flat(m.dx_nchw));
    });
  });
});
