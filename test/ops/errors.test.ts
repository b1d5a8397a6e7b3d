// Every bad input throws before any work, with a message that names the op, the argument and the
// shapes; and nothing is left allocated by the failed call.

import * as tf from '@tensorflow/tfjs-core';

import {conv2dCpuKernel} from '../../kernels/cpu/conv2d';
import * as hm from '../../src/index';

beforeAll(() => tf.setBackend('cpu'));

const x4 = () => tf.zeros([1, 5, 5, 4]) as tf.Tensor4D;
const w = (shape: number[] = [3, 3, 4, 2]) => tf.zeros(shape) as unknown as tf.Tensor4D;

const cases: [string, () => unknown, RegExp][] = [
  [
    'x of rank 2',
    () => hm.conv2d(tf.zeros([3, 4]) as unknown as tf.Tensor4D, w(), 1, 'same'),
    /hm\.conv2d: x must be rank 3 or 4, got rank 2 \(shape \[3,4\]\)/,
  ],
  [
    'filter of rank 3',
    () => hm.conv2d(x4(), tf.zeros([3, 3, 4]) as unknown as tf.Tensor4D, 1, 'same'),
    /hm\.conv2d: filter must be rank 4, got rank 3 \(shape \[3,3,4\]\)/,
  ],
  [
    'channels that are not a multiple of the filter in-channels',
    () => hm.conv2d(tf.zeros([1, 5, 5, 3]) as tf.Tensor4D, w([3, 3, 2, 4]), 1, 'same'),
    /input's 3 channels \(x \[1,5,5,3\], NHWC\) must be a multiple of the filter's in-channels 2 \(filter \[3,3,2,4\]\)/,
  ],
  [
    'groups that do not divide the out-channels',
    () => hm.conv2d(x4(), w([3, 3, 2, 3]), 1, 'same'),
    /groups = 2 \(x \[1,5,5,4\] has 4 channels, filter \[3,3,2,3\] takes 2\) must divide the filter's 3 out-channels/,
  ],
  [
    'NCHW channel mismatch',
    () => hm.conv2d(tf.zeros([1, 3, 5, 5]) as tf.Tensor4D, w(), 1, 'same', 'NCHW'),
    /input's 3 channels \(x \[1,3,5,5\], NCHW\) must be a multiple of the filter's in-channels 4/,
  ],
  [
    'zero stride',
    () => hm.conv2d(x4(), w(), 0, 'same'),
    /strides must be a positive integer or a pair of them, got 0/,
  ],
  [
    'fractional stride',
    () => hm.conv2d(x4(), w(), [1, 1.5], 'same'),
    /strides must be .*, got \[1,1.5\]/,
  ],
  [
    'stride triple',
    () => hm.conv2d(x4(), w(), [1, 1, 1] as unknown as number, 'same'),
    /strides must be .*, got \[1,1,1\]/,
  ],
  [
    'negative dilation',
    () => hm.conv2d(x4(), w(), 1, 'same', 'NHWC', -1),
    /dilations must be a positive integer .*, got -1/,
  ],
  [
    'dilation with stride',
    () => hm.conv2d(x4(), w(), 2, 'same', 'NHWC', 2),
    /strides and dilations cannot both be greater than 1, got strides \[2,2\] and dilations \[2,2\]/,
  ],
  [
    'unknown pad string',
    () => hm.conv2d(x4(), w(), 1, 'full' as 'same'),
    /pad must be 'same', 'valid', a non-negative integer or explicit padding, got 'full'/,
  ],
  [
    'negative pad',
    () => hm.conv2d(x4(), w(), 1, -1 as unknown as 'same'),
    /pad must be a non-negative integer, got -1/,
  ],
  [
    'explicit pad with three rows',
    () =>
      hm.conv2d(x4(), w(), 1, [
        [0, 0],
        [1, 1],
        [1, 1],
      ] as unknown as 'same'),
    /explicit pad must be \[\[0,0\],\[top,bottom\],\[left,right\],\[0,0\]\] of non-negative integers, got \[\[0,0\],\[1,1\],\[1,1\]\]/,
  ],
  [
    'explicit pad on the batch axis',
    () =>
      hm.conv2d(x4(), w(), 1, [
        [1, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ] as unknown as 'same'),
    /explicit pad must not pad the batch or channel axis/,
  ],
  [
    'dimRoundingMode with a string pad',
    () => hm.conv2d(x4(), w(), 1, 'same', 'NHWC', 1, 'ceil'),
    /pad must be a number or explicit padding when dimRoundingMode is given, got pad 'same'/,
  ],
  [
    'unknown dimRoundingMode',
    () => hm.conv2d(x4(), w(), 1, 1, 'NHWC', 1, 'up' as 'ceil'),
    /dimRoundingMode must be 'floor', 'round' or 'ceil', got "up"/,
  ],
  [
    'unknown dataFormat',
    () => hm.conv2d(x4(), w(), 1, 'same', 'NCWH' as 'NHWC'),
    /dataFormat must be 'NHWC' or 'NCHW', got "NCWH"/,
  ],
  [
    'filter larger than the padded input',
    () => hm.conv2d(tf.zeros([1, 3, 3, 4]) as tf.Tensor4D, w([5, 5, 4, 2]), 1, 'valid'),
    /filter \[5,5,4,2\] \(effective 5x5\) is larger than the padded input \[1,3,3,4\]/,
  ],
  [
    'int32 x',
    () => hm.conv2d(tf.zeros([1, 5, 5, 4], 'int32') as tf.Tensor4D, w(), 1, 'same'),
    /x must be a float32 tensor, got dtype int32 \(shape \[1,5,5,4\]\)/,
  ],
  [
    'bias of the wrong length',
    () => hm.fused.conv2d({x: x4(), filter: w(), strides: 1, pad: 'same', bias: tf.zeros([3])}),
    /bias of shape \[3\] must be a scalar or hold one value per output channel \(2\)/,
  ],
  [
    'unknown activation',
    () =>
      hm.fused.conv2d({
        x: x4(),
        filter: w(),
        strides: 1,
        pad: 'same',
        activation: 'tanh' as 'relu',
      }),
    /activation must be one of linear, relu, relu6, elu, leakyrelu, prelu, sigmoid, got "tanh"/,
  ],
  [
    'prelu without weights',
    () => hm.fused.conv2d({x: x4(), filter: w(), strides: 1, pad: 'same', activation: 'prelu'}),
    /activation 'prelu' needs preluActivationWeights/,
  ],
  [
    'max pool window of 0',
    () => hm.maxPool(x4(), 0, 1, 'valid'),
    /hm\.maxPool: filterSize must be a positive integer/,
  ],
  [
    'max pool window larger than the input',
    () => hm.maxPool(x4(), 7, 1, 'valid'),
    /hm\.maxPool: the window 7x7 \(effective 7x7\) is larger than the padded input \[1,5,5,4\]/,
  ],
  [
    'max pool of rank 5',
    () => hm.maxPool(tf.zeros([1, 1, 5, 5, 4]) as unknown as tf.Tensor4D, 2, 2, 'valid'),
    /hm\.maxPool: x must be rank 3 or 4, got rank 5/,
  ],
  [
    'max pool of a nested array of the wrong rank',
    () =>
      hm.maxPool(
        [
          [1, 2],
          [3, 4],
        ] as unknown as tf.Tensor4D,
        2,
        2,
        'valid',
      ),
    /hm\.maxPool: x must be rank 3 or 4, got rank 2 \(shape \[2,2\]\)/,
  ],
];

test.each(cases)('%s', (_, call, message) => {
  const before = tf.memory().numTensors;
  // tidy disposes the inputs the test makes; whatever the failed op allocated must be gone too.
  const spy = jest.spyOn(tf.engine(), 'runKernel');
  expect(() =>
    tf.tidy(() => {
      call();
    }),
  ).toThrow(message);
  const handmadeRuns = spy.mock.calls.filter(([name]) => String(name).startsWith('Handmade'));
  spy.mockRestore();
  expect(handmadeRuns).toEqual([]);
  expect(tf.memory().numTensors).toBe(before);
});

describe('a host kernel on a backend without host-readable tensors', () => {
  test('throws naming what it needs', () => {
    const info = {dataId: {}, shape: [1, 5, 5, 4], dtype: 'float32' as const};
    const filter = {dataId: {}, shape: [3, 3, 4, 2], dtype: 'float32' as const};
    const attrs = {strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1};
    expect(() =>
      conv2dCpuKernel({inputs: {x: info, filter}, backend: {} as tf.KernelBackend, attrs}),
    ).toThrow(/host kernels need a backend that reads tensors with readSync/);
  });
});
