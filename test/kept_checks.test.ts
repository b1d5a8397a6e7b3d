// The kept checks (kernels/checks.ts checkKernelCallKept): a call with the same filter, kernel,
// input shapes and dtypes and attribute values as the one before it gets that call's check, the
// same object; any difference, an attribute array changed in place included, is checked anew;
// a bad call after a good one still throws. And through the kernels on cpu and wasm: one filter
// convolved with inputs of other sizes, strides and paddings in turn gives each call its own
// geometry (against tfjs's conv2d).

import '@tensorflow/tfjs-backend-wasm';

import * as tf from '@tensorflow/tfjs-core';

import {checkKernelCall, checkKernelCallKept} from '../kernels/checks';
import * as names from '../kernels/names';
import * as hm from '../src/index';
import {expectClose} from './helpers/close';

const info = (shape: number[], dataId: object = {}) => ({shape, dtype: 'float32', dataId});

const convAttrs = () => ({
  strides: [1, 1],
  pad: 'same',
  dataFormat: 'NHWC',
  dilations: [1, 1],
  dimRoundingMode: undefined,
});

describe('checkKernelCallKept', () => {
  test('the same call twice gets the same check, equal to checkKernelCall', () => {
    const filter = info([3, 3, 4, 2]);
    const call = () =>
      checkKernelCallKept(names.HandmadeConv2D, {x: info([1, 5, 5, 4]), filter}, convAttrs());
    const first = call();
    expect(call()).toBe(first);
    expect(first).toEqual(
      checkKernelCall(names.HandmadeConv2D, {x: info([1, 5, 5, 4]), filter}, convAttrs()),
    );
  });

  test('another x shape, attribute, input or kernel with the same filter is checked anew', () => {
    const filter = info([3, 3, 4, 2]);
    const kept = (kernel: names.KernelName, inputs: object, attrs: object) =>
      checkKernelCallKept(kernel, inputs as Parameters<typeof checkKernelCall>[1], attrs);
    const base = kept(names.HandmadeConv2D, {x: info([1, 5, 5, 4]), filter}, convAttrs());
    expect(base.geometry.outShape).toEqual([1, 5, 5, 2]);
    const taller = kept(names.HandmadeConv2D, {x: info([1, 9, 5, 4]), filter}, convAttrs());
    expect(taller.geometry.outShape).toEqual([1, 9, 5, 2]);
    const strided = kept(
      names.HandmadeConv2D,
      {x: info([1, 9, 5, 4]), filter},
      {...convAttrs(), strides: [2, 2]},
    );
    expect(strided.geometry.outShape).toEqual([1, 5, 3, 2]);
    const valid = kept(
      names.HandmadeConv2D,
      {x: info([1, 9, 5, 4]), filter},
      {...convAttrs(), strides: [2, 2], pad: 'valid'},
    );
    expect(valid.geometry.outShape).toEqual([1, 4, 2, 2]);
    // One more attribute (the fused kernel's), and one more input.
    const fusedAttrs = {...convAttrs(), activation: 'relu', leakyreluAlpha: 0.2};
    const fused = kept(names.HandmadeFusedConv2D, {x: info([1, 5, 5, 4]), filter}, fusedAttrs);
    expect(fused).not.toBe(base);
    const withBias = kept(
      names.HandmadeFusedConv2D,
      {x: info([1, 5, 5, 4]), filter, bias: info([2])},
      fusedAttrs,
    );
    expect(withBias).not.toBe(fused);
    expect(() =>
      kept(names.HandmadeFusedConv2D, {x: info([1, 5, 5, 4]), filter, bias: info([3])}, fusedAttrs),
    ).toThrow(/bias/);
    // The input gradient with the same filter.
    const dx = kept(
      names.HandmadeConv2DBackpropInput,
      {dy: info([1, 5, 5, 2]), filter},
      {...convAttrs(), inputShape: [1, 5, 5, 4]},
    );
    expect(dx.outShapes).toEqual([[1, 5, 5, 4]]);
    // A dtype.
    expect(() =>
      kept(names.HandmadeConv2D, {x: {shape: [1, 5, 5, 4], dtype: 'int32'}, filter}, convAttrs()),
    ).toThrow(/x must be a float32 tensor, got dtype int32/);
  });

  test('an attribute array changed in place between calls is checked anew', () => {
    const filter = info([3, 3, 4, 2]);
    const attrs = convAttrs();
    const x = info([1, 8, 8, 4]);
    expect(checkKernelCallKept(names.HandmadeConv2D, {x, filter}, attrs).geometry.outShape).toEqual(
      [1, 8, 8, 2],
    );
    attrs.strides[0] = 2;
    expect(checkKernelCallKept(names.HandmadeConv2D, {x, filter}, attrs).geometry.outShape).toEqual(
      [1, 4, 8, 2],
    );
    attrs.strides[0] = 0;
    expect(() => checkKernelCallKept(names.HandmadeConv2D, {x, filter}, attrs)).toThrow(
      /strides must be a positive integer or a pair of them, got \[0,1\]/,
    );
  });

  test('a bad call after a kept good one throws, and the good one is still kept', () => {
    const filter = info([3, 3, 4, 2]);
    const good = () =>
      checkKernelCallKept(names.HandmadeConv2D, {x: info([1, 5, 5, 4]), filter}, convAttrs());
    const first = good();
    expect(() =>
      checkKernelCallKept(names.HandmadeConv2D, {x: info([1, 5, 5, 3]), filter}, convAttrs()),
    ).toThrow(/3 channels \(x \[1,5,5,3\], NHWC\) must be a multiple/);
    expect(good()).toBe(first);
  });
});

describe.each(['cpu', 'wasm'])('one filter in calls of other geometries on %s', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  test('each call gets its own geometry (vs tfjs conv2d)', () => {
    const filter = tf.randomUniform([3, 3, 4, 6], -1, 1, 'float32', 3) as tf.Tensor4D;
    const bias = tf.randomUniform([6], -1, 1, 'float32', 4) as tf.Tensor1D;
    const calls: [[number, number, number, number], number, 'same' | 'valid'][] = [
      [[1, 7, 7, 4], 1, 'same'],
      [[1, 7, 7, 4], 2, 'same'],
      [[2, 9, 5, 4], 2, 'valid'],
      [[1, 7, 7, 4], 1, 'same'],
      [[1, 4, 11, 4], 1, 'valid'],
    ];
    const before = tf.memory().numTensors;
    for (let round = 0; round < 2; round++) {
      for (const [shape, stride, pad] of calls) {
        tf.tidy(() => {
          const x = tf.randomUniform(shape, -1, 1, 'float32', shape[1]) as tf.Tensor4D;
          const want = tf.relu(tf.add(tf.conv2d(x, filter, stride, pad), bias));
          const got = hm.fused.conv2d({x, filter, bias, strides: stride, pad, activation: 'relu'});
          expect(got.shape).toEqual(want.shape);
          expectClose(got.dataSync(), want.dataSync(), want.shape, 1e-5);
        });
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([filter, bias]);
  });
});
