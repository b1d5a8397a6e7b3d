// The override's kept layers on tfjs-wasm (src/heap_layers.ts): a layer's first call goes the
// whole way and the calls after it with the same signature run from what it kept. Each of
// tfjs's four forward names, as a model calls them again and again, gives what tfjs's own
// kernel gives, and from its second call on runs from the kept layer; a call of another
// signature with the same filter (another x, other strides, a bias more) goes the whole way and
// is right; a layer that the heap declines (a filter with a NaN, windows that read the
// padding) keeps going the whole way; the scalar host path is honoured at once; nothing leaks.

import '@tensorflow/tfjs-backend-wasm';

import * as tf from '@tensorflow/tfjs-core';

import {heapLayerRuns} from '../../src/heap_layers';
import * as hm from '../../src/index';
import {expectClose} from '../helpers/close';
import {seededTensor, uniform} from '../helpers/random';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

afterEach(() => {
  hm.uninstallBuiltins();
  hm.setHostPath('simd');
});

const tensor = seededTensor;

/** A layer's call: tfjs's op on x, with the layer's own tensors. */
type Layer = (x: tf.Tensor4D) => tf.Tensor;

/** The layers, each with its filter (and operands) made once, as a model's (made once the
 *  backend is ready). */
function layers(): [string, number, Layer][] {
  const w = tensor([3, 3, 8, 12], 1) as tf.Tensor4D;
  const w1 = tensor([1, 1, 8, 16], 2) as tf.Tensor4D;
  const dw = tensor([3, 3, 8, 2], 3) as tf.Tensor4D;
  const bias12 = tensor([12], 4) as tf.Tensor1D;
  const bias16 = tensor([16], 5) as tf.Tensor1D;
  const prelu = tensor([16], 6);
  const bias8 = tensor([8], 7) as tf.Tensor1D;
  const dw1 = tensor([3, 3, 8, 1], 8) as tf.Tensor4D;
  return [
    ['Conv2D', 8, (x) => tf.conv2d(x, w, 1, 'same')],
    [
      'FusedConv2D, bias and relu6, strided',
      8,
      (x) =>
        tf.fused.conv2d({x, filter: w, strides: 2, pad: 'same', bias: bias12, activation: 'relu6'}),
    ],
    [
      'FusedConv2D 1x1, PReLU',
      8,
      (x) =>
        tf.fused.conv2d({
          x,
          filter: w1,
          strides: 1,
          pad: 'valid',
          bias: bias16,
          activation: 'prelu',
          preluActivationWeights: prelu,
        }),
    ],
    [
      'FusedConv2D, leakyrelu, no bias',
      8,
      (x) =>
        tf.fused.conv2d({
          x,
          filter: w,
          strides: 1,
          pad: 'same',
          activation: 'leakyrelu',
          leakyreluAlpha: 0.3,
        }),
    ],
    ['DepthwiseConv2dNative, channel multiplier 2', 8, (x) => tf.depthwiseConv2d(x, dw, 1, 'same')],
    [
      'FusedDepthwiseConv2D, bias and relu, strided',
      8,
      (x) =>
        tf.fused.depthwiseConv2d({
          x,
          filter: dw1,
          strides: 2,
          pad: 'same',
          bias: bias8,
          activation: 'relu',
        }),
    ],
  ];
}

const LAYER_NAMES = [
  'Conv2D',
  'FusedConv2D, bias and relu6, strided',
  'FusedConv2D 1x1, PReLU',
  'FusedConv2D, leakyrelu, no bias',
  'DepthwiseConv2dNative, channel multiplier 2',
  'FusedDepthwiseConv2D, bias and relu, strided',
];

test.each(LAYER_NAMES.map((name, i) => [name, i] as const))(
  '%s: its calls after the first run from the kept layer',
  (name, i) => {
    const [made, c, layer] = layers()[i];
    expect(made).toBe(name);
    const xs = [
      tensor([1, 9, 9, c], 10) as tf.Tensor4D,
      tensor([1, 9, 9, c], 11) as tf.Tensor4D,
      tensor([2, 6, 11, c], 12) as tf.Tensor4D,
    ];
    const expected = xs.map((x) => {
      const y = layer(x);
      const values = y.dataSync().slice();
      y.dispose();
      return values;
    });
    const before = tf.memory().numTensors;
    hm.installAsBuiltins();
    const check = (i: number) => {
      const y = layer(xs[i]);
      expectClose(y.dataSync(), expected[i], y.shape, 1e-5, `x${i}`);
      y.dispose();
    };
    check(0);
    const runs = heapLayerRuns();
    check(0);
    check(1);
    expect(heapLayerRuns()).toBe(runs + 2);
    // Another x shape: the whole way, then kept for it.
    check(2);
    expect(heapLayerRuns()).toBe(runs + 2);
    check(2);
    check(0);
    check(0);
    expect(heapLayerRuns()).toBe(runs + 4);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(xs);
  },
);

test('the same filter under other strides, and with a bias more, is not taken for the kept layer', () => {
  const w = tensor([3, 3, 4, 6], 20) as tf.Tensor4D;
  const bias = tensor([6], 21) as tf.Tensor1D;
  const x = tensor([1, 8, 8, 4], 22) as tf.Tensor4D;
  const calls: (() => tf.Tensor)[] = [
    () => tf.fused.conv2d({x, filter: w, strides: 1, pad: 'same', activation: 'relu'}),
    () => tf.fused.conv2d({x, filter: w, strides: 2, pad: 'same', activation: 'relu'}),
    () => tf.fused.conv2d({x, filter: w, strides: 2, pad: 'same', bias, activation: 'relu'}),
    () => tf.fused.conv2d({x, filter: w, strides: 2, pad: 'valid', bias, activation: 'relu'}),
  ];
  const expected = calls.map((f) => tf.tidy(() => f().dataSync().slice()));
  hm.installAsBuiltins();
  for (let round = 0; round < 3; round++) {
    calls.forEach((f, i) =>
      tf.tidy(() => {
        const y = f();
        expectClose(y.dataSync(), expected[i], y.shape, 1e-5, `call ${i}, round ${round}`);
      }),
    );
  }
  tf.dispose([w, bias, x]);
});

test('a layer the heap declines (a NaN in the filter, windows on the padding) goes the whole way', () => {
  const values = uniform(3 * 3 * 4 * 5, 30);
  values[7] = NaN;
  const w = tf.tensor4d(values, [3, 3, 4, 5]);
  const x = tensor([1, 6, 6, 4], 31) as tf.Tensor4D;
  hm.installAsBuiltins();
  const first = tf.tidy(() => tf.conv2d(x, w, 1, 'same').dataSync().slice());
  const runs = heapLayerRuns();
  for (let i = 0; i < 3; i++) {
    const y = tf.conv2d(x, w, 1, 'same');
    expect(Array.from(y.dataSync())).toEqual(Array.from(first));
    y.dispose();
  }
  expect(heapLayerRuns()).toBe(runs);
  tf.dispose([w, x]);
});

test('the scalar host path, set after a layer is kept, is taken at once', () => {
  const w = tensor([3, 3, 4, 5], 40) as tf.Tensor4D;
  const x = tensor([1, 6, 6, 4], 41) as tf.Tensor4D;
  const expected = tf.tidy(() => tf.conv2d(x, w, 1, 'same').dataSync().slice());
  hm.installAsBuiltins();
  tf.dispose([tf.conv2d(x, w, 1, 'same'), tf.conv2d(x, w, 1, 'same')]);
  hm.setHostPath('scalar');
  const [runs, simd] = [heapLayerRuns(), hm.simdStats().runs];
  const y = tf.conv2d(x, w, 1, 'same');
  expectClose(y.dataSync(), expected, y.shape, 1e-5, 'y');
  expect(heapLayerRuns()).toBe(runs);
  expect(hm.simdStats().runs).toBe(simd);
  tf.dispose([w, x, y]);
});
