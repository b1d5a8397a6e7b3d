// Case bodies for the kernels' contracts, run on whatever backend is active (cpu and wasm in node,
// webgl in Chromium). Each returns the problems it found (empty when all is well), so that one
// call covers a whole class of inputs on any backend:
// - kernelErrorCases: every kernel, reached with tf.engine().runKernel under its own name, throws
//   a clear error for each input that contradicts its attributes (shapes and dtypes);
// - emptyAxisCases: zero-sized spatial, channel, batch and filter axes give tfjs's results
//   through the ops, their gradients and the kernels;
// - overrideErrorCases / overrideContractCases: under hm.installAsBuiltins, tfjs's ops either
//   throw the same clear errors, or give exactly tfjs's own dtype, shape and values.

import * as tf from '@tensorflow/tfjs-core';

import * as names from '../../kernels/names';
import * as hm from '../../src/index';
import {distinct, uniform} from '../helpers/random';

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
const fmt = (shape: readonly number[]) => `[${shape.join(',')}]`;

export interface ContractResult {
  /** how many cases ran */
  cases: number;
  /** what went wrong, one line each */
  problems: string[];
  /** cases skipped because tfjs's own op throws for them on this backend */
  skipped: string[];
}

/** Runs `body` in a scope; a problem if it leaves a tensor behind. */
function leakFree(label: string, problems: string[], body: () => void): void {
  const before = tf.memory().numTensors;
  tf.tidy(body);
  const after = tf.memory().numTensors;
  if (after !== before) problems.push(`${label}: ${after - before} tensors leaked`);
}

// --- Kernel calls that contradict their attributes ---------------------------------------------

const conv = {strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1};
const pool = {filterSize: 2, strides: 2, pad: 'valid', dataFormat: 'NHWC', dilations: 1};
const f32 = (shape: number[]) => tf.zeros(shape);
const i32 = (shape: number[]) => tf.zeros(shape, 'int32');

/** [label, the call, the message it must throw] */
export function kernelErrorTable(): [string, () => unknown, RegExp][] {
  const bpi =
    (dy: tf.Tensor, inputShape: unknown, filter = f32([3, 3, 4, 2]), a: object = conv) =>
    () =>
      run(names.HandmadeConv2DBackpropInput, {dy, filter}, {...a, inputShape});
  const bpf =
    (x: tf.Tensor, dy: tf.Tensor, filterShape: unknown = [3, 3, 4, 2], a: object = conv) =>
    () =>
      run(names.HandmadeConv2DBackpropFilter, {x, dy}, {...a, filterShape});
  const fused =
    (inputs: Record<string, tf.Tensor>, a: object = {}) =>
    () =>
      run(
        names.HandmadeFusedConv2D,
        {x: f32([1, 6, 6, 2]), filter: f32([3, 3, 2, 3]), ...inputs},
        {...conv, activation: 'linear', ...a},
      );
  const grad =
    (dy: tf.Tensor, argmax: tf.Tensor, inputShape: unknown = [1, 4, 4, 2]) =>
    () =>
      run(names.HandmadeMaxPoolGrad, {dy, argmax}, {...pool, inputShape});
  const gather = (x: tf.Tensor, argmax: tf.Tensor) => () =>
    run(names.HandmadeMaxPoolGather, {x, argmax}, pool);
  const dyShape = (k: string, got: string, want: string) =>
    new RegExp(
      `^${k}: dy of shape ${got.replace(/[[\]]/g, '\\$&')} must have the shape ` +
        `${want.replace(/[[\]]/g, '\\$&')} of the output of the convolution`,
    );
  return [
    // HandmadeConv2D
    [
      'Conv2D: x of rank 3',
      () => run(names.HandmadeConv2D, {x: f32([5, 5, 4]), filter: f32([3, 3, 4, 2])}, conv),
      /^HandmadeConv2D: x must be rank 4, got rank 3 \(shape \[5,5,4\]\)/,
    ],
    [
      'Conv2D: filter of rank 5',
      () => run(names.HandmadeConv2D, {x: f32([1, 5, 5, 4]), filter: f32([1, 3, 3, 4, 2])}, conv),
      /^HandmadeConv2D: filter must be rank 4, got rank 5/,
    ],
    [
      'Conv2D: channels',
      () => run(names.HandmadeConv2D, {x: f32([1, 5, 5, 3]), filter: f32([3, 3, 2, 2])}, conv),
      /^HandmadeConv2D: the input's 3 channels \(x \[1,5,5,3\], NHWC\) must be a multiple of the filter's in-channels 2/,
    ],
    [
      'Conv2D: int32 x',
      () => run(names.HandmadeConv2D, {x: i32([1, 5, 5, 4]), filter: f32([3, 3, 4, 2])}, conv),
      /^HandmadeConv2D: x must be a float32 tensor, got dtype int32 \(shape \[1,5,5,4\]\)/,
    ],
    [
      'Conv2D: int32 filter',
      () => run(names.HandmadeConv2D, {x: f32([1, 5, 5, 4]), filter: i32([3, 3, 4, 2])}, conv),
      /^HandmadeConv2D: filter must be a float32 tensor, got dtype int32/,
    ],
    [
      'Conv2D: NaN strides',
      () =>
        run(
          names.HandmadeConv2D,
          {x: f32([1, 5, 5, 4]), filter: f32([3, 3, 4, 2])},
          {...conv, strides: NaN},
        ),
      /^HandmadeConv2D: strides must be a positive integer or a pair of them, got NaN/,
    ],
    // HandmadeConv2DBackpropInput: dy too small, too large, other channels, other batch
    [
      'BackpropInput: dy smaller than the output',
      bpi(f32([1, 4, 4, 2]), [1, 8, 8, 4]),
      dyShape('HandmadeConv2DBackpropInput', '[1,4,4,2]', '[1,8,8,2]'),
    ],
    [
      'BackpropInput: dy larger than the output',
      bpi(f32([1, 8, 8, 2]), [1, 4, 4, 4]),
      dyShape('HandmadeConv2DBackpropInput', '[1,8,8,2]', '[1,4,4,2]'),
    ],
    [
      'BackpropInput: dy one column short',
      bpi(f32([1, 5, 4, 2]), [1, 5, 5, 4]),
      dyShape('HandmadeConv2DBackpropInput', '[1,5,4,2]', '[1,5,5,2]'),
    ],
    [
      'BackpropInput: dy of other channels',
      bpi(f32([1, 5, 5, 3]), [1, 5, 5, 4]),
      dyShape('HandmadeConv2DBackpropInput', '[1,5,5,3]', '[1,5,5,2]'),
    ],
    [
      'BackpropInput: dy of another batch',
      bpi(f32([2, 5, 5, 2]), [1, 5, 5, 4]),
      dyShape('HandmadeConv2DBackpropInput', '[2,5,5,2]', '[1,5,5,2]'),
    ],
    [
      'BackpropInput: dy at stride 2',
      bpi(f32([1, 5, 5, 2]), [1, 5, 5, 4], undefined, {...conv, strides: 2}),
      dyShape('HandmadeConv2DBackpropInput', '[1,5,5,2]', '[1,3,3,2]'),
    ],
    [
      'BackpropInput: NCHW dy',
      bpi(f32([1, 2, 5, 4]), [1, 4, 5, 5], undefined, {...conv, dataFormat: 'NCHW'}),
      dyShape('HandmadeConv2DBackpropInput', '[1,2,5,4]', '[1,2,5,5]'),
    ],
    [
      'BackpropInput: dy of rank 3',
      bpi(f32([5, 5, 2]), [1, 5, 5, 4]),
      dyShape('HandmadeConv2DBackpropInput', '[5,5,2]', '[1,5,5,2]'),
    ],
    [
      'BackpropInput: inputShape of rank 3',
      bpi(f32([1, 5, 5, 2]), [5, 5, 4]),
      /^HandmadeConv2DBackpropInput: inputShape must be rank 4, got rank 3/,
    ],
    [
      'BackpropInput: inputShape with a fraction',
      bpi(f32([1, 5, 5, 2]), [1, 5.5, 5, 4]),
      /^HandmadeConv2DBackpropInput: inputShape must be a shape \(an array of non-negative integers\), got \[1,5.5,5,4\]/,
    ],
    [
      'BackpropInput: no inputShape',
      bpi(f32([1, 5, 5, 2]), undefined),
      /^HandmadeConv2DBackpropInput: inputShape must be a shape .*, got undefined/,
    ],
    [
      'BackpropInput: int32 dy',
      bpi(i32([1, 5, 5, 2]), [1, 5, 5, 4]),
      /^HandmadeConv2DBackpropInput: dy must be a float32 tensor, got dtype int32/,
    ],
    [
      'BackpropInput: filter against inputShape',
      bpi(f32([1, 5, 5, 2]), [1, 5, 5, 3]),
      /^HandmadeConv2DBackpropInput: the input's 3 channels \(x \[1,5,5,3\], NHWC\) must be a multiple of the filter's in-channels 4/,
    ],
    // HandmadeConv2DBackpropFilter
    [
      'BackpropFilter: dy smaller than the output',
      bpf(f32([1, 8, 8, 4]), f32([1, 4, 4, 2])),
      dyShape('HandmadeConv2DBackpropFilter', '[1,4,4,2]', '[1,8,8,2]'),
    ],
    [
      'BackpropFilter: dy of other channels',
      bpf(f32([1, 5, 5, 4]), f32([1, 5, 5, 3])),
      dyShape('HandmadeConv2DBackpropFilter', '[1,5,5,3]', '[1,5,5,2]'),
    ],
    [
      'BackpropFilter: dy of another batch',
      bpf(f32([2, 5, 5, 4]), f32([1, 5, 5, 2])),
      dyShape('HandmadeConv2DBackpropFilter', '[1,5,5,2]', '[2,5,5,2]'),
    ],
    [
      'BackpropFilter: dy at valid padding',
      bpf(f32([1, 5, 5, 4]), f32([1, 5, 5, 2]), undefined, {...conv, pad: 'valid'}),
      dyShape('HandmadeConv2DBackpropFilter', '[1,5,5,2]', '[1,3,3,2]'),
    ],
    [
      'BackpropFilter: filterShape of rank 2',
      bpf(f32([1, 5, 5, 4]), f32([1, 5, 5, 2]), [3, 3]),
      /^HandmadeConv2DBackpropFilter: filterShape must be rank 4, got rank 2/,
    ],
    [
      'BackpropFilter: x against filterShape',
      bpf(f32([1, 5, 5, 3]), f32([1, 5, 5, 2])),
      /^HandmadeConv2DBackpropFilter: the input's 3 channels .* must be a multiple of the filter's in-channels 4/,
    ],
    [
      'BackpropFilter: int32 x',
      bpf(i32([1, 5, 5, 4]), f32([1, 5, 5, 2])),
      /^HandmadeConv2DBackpropFilter: x must be a float32 tensor, got dtype int32/,
    ],
    // HandmadeFusedConv2D
    [
      'Fused: bias of the wrong length',
      fused({bias: f32([4])}),
      /^HandmadeFusedConv2D: bias of shape \[4\] must be a scalar, hold one value per output channel \(3\), or broadcast to the output \[1,6,6,3\]/,
    ],
    [
      'Fused: bias that broadcasts the batch',
      fused({bias: f32([2, 6, 6, 3])}),
      /^HandmadeFusedConv2D: bias of shape \[2,6,6,3\] must .* without changing its shape/,
    ],
    [
      'Fused: bias of rank 5',
      fused({bias: f32([1, 1, 1, 1, 3])}),
      /^HandmadeFusedConv2D: bias of shape \[1,1,1,1,3\] must/,
    ],
    [
      'Fused: bias of other rows',
      fused({bias: f32([5, 1, 3])}),
      /^HandmadeFusedConv2D: bias of shape \[5,1,3\] must/,
    ],
    [
      'Fused: PReLU weights of the wrong shape',
      fused({preluActivationWeights: f32([2])}, {activation: 'prelu'}),
      /^HandmadeFusedConv2D: preluActivationWeights of shape \[2\] must/,
    ],
    [
      'Fused: prelu without weights',
      fused({}, {activation: 'prelu'}),
      /^HandmadeFusedConv2D: activation 'prelu' needs preluActivationWeights/,
    ],
    [
      'Fused: unknown activation',
      fused({}, {activation: 'tanh'}),
      /^HandmadeFusedConv2D: activation must be one of .*, got "tanh"/,
    ],
    [
      'Fused: int32 bias',
      fused({bias: i32([3])}),
      /^HandmadeFusedConv2D: bias must be a float32 tensor, got dtype int32/,
    ],
    [
      'Fused: string leakyreluAlpha',
      fused({}, {activation: 'leakyrelu', leakyreluAlpha: '0.2'}),
      /^HandmadeFusedConv2D: leakyreluAlpha must be a number, got "0.2"/,
    ],
    // HandmadeMaxPool
    [
      'MaxPool: int32 x',
      () => run(names.HandmadeMaxPool, {x: i32([1, 4, 4, 2])}, pool),
      /^HandmadeMaxPool: x must be a float32 tensor, got dtype int32/,
    ],
    [
      'MaxPool: x of rank 3',
      () => run(names.HandmadeMaxPool, {x: f32([4, 4, 2])}, pool),
      /^HandmadeMaxPool: x must be rank 4, got rank 3/,
    ],
    [
      'MaxPool: NaN filterSize',
      () => run(names.HandmadeMaxPool, {x: f32([1, 4, 4, 2])}, {...pool, filterSize: [2, NaN]}),
      /^HandmadeMaxPool: filterSize must be a positive integer or a pair of them, got \[2,NaN\]/,
    ],
    // HandmadeMaxPoolGrad
    [
      'MaxPoolGrad: dy of the wrong shape',
      grad(f32([1, 4, 4, 2]), i32([1, 2, 2, 2])),
      /^HandmadeMaxPoolGrad: dy of shape \[1,4,4,2\] must have the shape \[1,2,2,2\] of the max pool of inputShape \[1,4,4,2\]/,
    ],
    [
      'MaxPoolGrad: argmax of the wrong shape',
      grad(f32([1, 2, 2, 2]), i32([1, 2, 2, 1])),
      /^HandmadeMaxPoolGrad: argmax of shape \[1,2,2,1\] must have the shape \[1,2,2,2\]/,
    ],
    [
      'MaxPoolGrad: float32 argmax',
      grad(f32([1, 2, 2, 2]), f32([1, 2, 2, 2])),
      /^HandmadeMaxPoolGrad: argmax must be a int32 tensor, got dtype float32/,
    ],
    [
      'MaxPoolGrad: no inputShape',
      grad(f32([1, 2, 2, 2]), i32([1, 2, 2, 2]), null),
      /^HandmadeMaxPoolGrad: inputShape must be a shape .*, got null/,
    ],
    // HandmadeMaxPoolGather
    [
      'MaxPoolGather: argmax of the wrong shape',
      gather(f32([1, 4, 4, 2]), i32([1, 4, 4, 2])),
      /^HandmadeMaxPoolGather: argmax of shape \[1,4,4,2\] must have the shape \[1,2,2,2\] of the max pool of x \[1,4,4,2\]/,
    ],
    [
      'MaxPoolGather: int32 x',
      gather(i32([1, 4, 4, 2]), i32([1, 2, 2, 2])),
      /^HandmadeMaxPoolGather: x must be a float32 tensor, got dtype int32/,
    ],
    [
      'MaxPoolGather: missing argmax',
      () => run(names.HandmadeMaxPoolGather, {x: f32([1, 4, 4, 2])}, pool),
      /^HandmadeMaxPoolGather: input argmax is required/,
    ],
  ];
}

function expectThrows(
  label: string,
  call: () => unknown,
  message: RegExp,
  problems: string[],
): void {
  leakFree(label, problems, () => {
    try {
      call();
      problems.push(`${label}: did not throw`);
    } catch (e) {
      const text = (e as Error).message;
      if (!message.test(text)) problems.push(`${label}: threw '${text}', expected ${message}`);
    }
  });
}

export async function kernelErrorCases(): Promise<ContractResult> {
  const problems: string[] = [];
  const table = kernelErrorTable();
  for (const [label, call, message] of table) expectThrows(label, call, message, problems);
  return {cases: table.length, problems, skipped: []};
}

// --- Zero-sized axes ---------------------------------------------------------------------------

type Shape4 = [number, number, number, number];
type Pad =
  | 'same'
  | 'valid'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];
interface EmptyConv {
  x: Shape4;
  w: Shape4;
  s: number;
  pad: Pad;
  df: 'NHWC' | 'NCHW';
}

/** Convolutions with an empty axis of x (rows, columns, channels, batch), of the filter (rows,
 *  columns, out-channels), in both layouts, at strides 1 and 2, with every pad form; including
 *  explicit pads whose outputs lie wholly in the padding. */
export function emptyConvGeometries(): EmptyConv[] {
  const out: EmptyConv[] = [];
  const nhwc: [Shape4, Shape4][] = [
    [
      [1, 0, 5, 2],
      [3, 3, 2, 4],
    ],
    [
      [1, 5, 0, 2],
      [3, 3, 2, 4],
    ],
    [
      [1, 0, 0, 2],
      [3, 3, 2, 4],
    ],
    [
      [1, 5, 5, 0],
      [3, 3, 0, 4],
    ],
    [
      [2, 4, 5, 0],
      [2, 3, 0, 3],
    ],
    [
      [0, 5, 5, 2],
      [3, 3, 2, 4],
    ],
    [
      [1, 5, 5, 2],
      [3, 3, 2, 0],
    ],
    [
      [1, 5, 5, 2],
      [0, 3, 2, 4],
    ],
    [
      [1, 5, 5, 2],
      [3, 0, 2, 4],
    ],
    [
      [1, 0, 5, 4],
      [3, 3, 2, 4],
    ], // grouped, no rows
  ];
  const pads: Pad[] = [
    'same',
    1,
    [
      [0, 0],
      [2, 1],
      [1, 2],
      [0, 0],
    ],
  ];
  for (const [x, w] of nhwc) {
    for (const s of [1, 2]) {
      for (const pad of pads) {
        out.push({x, w, s, pad, df: 'NHWC'});
        const explicit = Array.isArray(pad) ? ([[0, 0], [0, 0], pad[1], pad[2]] as Pad) : pad;
        out.push({x: [x[0], x[3], x[1], x[2]], w, s, pad: explicit, df: 'NCHW'});
      }
    }
    // 'valid' where no axis of x is empty (it gives a negative size over an empty one)
    if (x[1] > 0 && x[2] > 0) out.push({x, w, s: 1, pad: 'valid', df: 'NHWC'});
  }
  return out;
}

interface EmptyPool {
  x: Shape4;
  k: number;
  s: number;
  pad: Pad;
  df: 'NHWC' | 'NCHW';
}

export function emptyPoolGeometries(): EmptyPool[] {
  const out: EmptyPool[] = [];
  for (const x of [
    [1, 0, 4, 1],
    [1, 4, 0, 3],
    [1, 4, 4, 0],
    [0, 4, 4, 2],
    [2, 0, 0, 2],
  ] as Shape4[]) {
    for (const [k, s] of [
      [2, 2],
      [3, 1],
    ]) {
      // 'valid' over an empty axis sizes it ceil((0 - k + 1) / s): 0 for a 2x2 window at stride 2,
      // negative (an error, as in tfjs) for 3x3 at stride 1.
      const pads: Pad[] = [
        'same',
        1,
        [
          [0, 0],
          [1, 2],
          [2, 1],
          [0, 0],
        ],
        ...(k === 2 ? ['valid' as Pad] : []),
      ];
      for (const pad of pads) {
        out.push({x, k, s, pad, df: 'NHWC'});
        const explicit = Array.isArray(pad) ? ([[0, 0], [0, 0], pad[1], pad[2]] as Pad) : pad;
        out.push({x: [x[0], x[3], x[1], x[2]], k, s, pad: explicit, df: 'NCHW'});
      }
    }
  }
  return out;
}

const tfFormat = (df: 'NHWC' | 'NCHW') => (df === 'NHWC' ? 'channelsLast' : 'channelsFirst');

function expectFilled(
  label: string,
  t: tf.Tensor,
  shape: number[],
  fill: number | ((i: number) => number),
  dtype: string,
  problems: string[],
): void {
  if (t.dtype !== dtype || fmt(t.shape) !== fmt(shape)) {
    problems.push(`${label}: got ${t.dtype} ${fmt(t.shape)}, expected ${dtype} ${fmt(shape)}`);
    return;
  }
  const values = t.dataSync();
  for (let i = 0; i < values.length; i++) {
    const want = typeof fill === 'number' ? fill : fill(i);
    if (
      Math.abs(values[i] - want) > 1e-6 * Math.max(1, Math.abs(want)) &&
      !Object.is(values[i], want)
    ) {
      problems.push(`${label}: element ${i} is ${values[i]}, expected ${want}`);
      return;
    }
  }
}

/**
 * The ops, their gradients and the backward kernels on zero-sized axes. The expected shapes are
 * tfjs's own (backend_util.computeConv2DInfo / computePool2DInfo); the expected values are what
 * tfjs's kernels give there (test/ops/contracts.test.ts checks tfjs's cpu ops against the
 * handmade ones): sums over nothing are 0, a max over nothing is -Infinity, and the fused
 * convolution applies its bias and activation to those zeros.
 */
export async function emptyAxisCases(): Promise<ContractResult> {
  const problems: string[] = [];
  let cases = 0;
  for (const c of emptyConvGeometries()) {
    const label = `conv x${fmt(c.x)} w${fmt(c.w)} s${c.s} pad ${JSON.stringify(c.pad)} ${c.df}`;
    const info = tf.backend_util.computeConv2DInfo(
      c.x as [number, number, number, number],
      [c.w[0], c.w[1], c.x[c.df === 'NHWC' ? 3 : 1], c.w[3]],
      c.s,
      1,
      c.pad,
      undefined,
      false,
      tfFormat(c.df),
    );
    cases++;
    leakFree(label, problems, () => {
      const x = tf.ones(c.x) as tf.Tensor4D;
      const w = tf.ones(c.w) as tf.Tensor4D;
      const y = hm.conv2d(x, w, c.s, c.pad, c.df);
      expectFilled(label, y, info.outShape, 0, 'float32', problems);
      // The gradient of y against an explicit dy of ones (tfjs's webgl Sum fails on an empty
      // tensor, so the gradient of a sum could not run there).
      const [dx, dW] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        hm.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, c.df),
      )([x, w], tf.onesLike(y));
      expectFilled(`${label} dx`, dx, c.x, 0, 'float32', problems);
      expectFilled(`${label} dW`, dW, c.w, 0, 'float32', problems);
      // The backward kernels, reached directly with a dy of ones.
      const a = {strides: c.s, pad: c.pad, dataFormat: c.df, dilations: 1};
      const dy = tf.ones(info.outShape);
      expectFilled(
        `${label} BackpropInput`,
        run(names.HandmadeConv2DBackpropInput, {dy, filter: w}, {...a, inputShape: c.x}),
        c.x,
        0,
        'float32',
        problems,
      );
      expectFilled(
        `${label} BackpropFilter`,
        run(names.HandmadeConv2DBackpropFilter, {x, dy}, {...a, filterShape: c.w}),
        c.w,
        0,
        'float32',
        problems,
      );
    });
  }
  // The fused convolution with no input channels: act(bias) everywhere, for every activation.
  const bias = [-1.5, 2];
  const slopes = [0.5, 3];
  const acts: [hm.Activation, (v: number, c: number) => number][] = [
    ['linear', (v) => v],
    ['relu', (v) => Math.max(v, 0)],
    ['relu6', (v) => Math.min(Math.max(v, 0), 6)],
    ['elu', (v) => (v < 0 ? Math.exp(v) - 1 : v)],
    ['leakyrelu', (v) => (v < 0 ? 0.3 * v : v)],
    ['prelu', (v, c) => (v < 0 ? slopes[c] * v : v)],
    ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
  ];
  for (const df of ['NHWC', 'NCHW'] as const) {
    for (const [activation, f] of acts) {
      const label = `fused ${activation} ${df}, no input channels`;
      cases++;
      leakFree(label, problems, () => {
        const xShape: Shape4 = df === 'NHWC' ? [1, 3, 2, 0] : [1, 0, 3, 2];
        const y = hm.fused.conv2d({
          x: tf.ones(xShape) as tf.Tensor4D,
          filter: tf.ones([3, 3, 0, 2]) as tf.Tensor4D,
          strides: 1,
          pad: 'same',
          dataFormat: df,
          bias: tf.tensor1d(bias),
          activation,
          preluActivationWeights: tf.tensor1d(slopes),
          leakyreluAlpha: 0.3,
        });
        const outShape = df === 'NHWC' ? [1, 3, 2, 2] : [1, 2, 3, 2];
        const channel = (i: number) => (df === 'NHWC' ? i % 2 : Math.floor(i / 6));
        expectFilled(
          label,
          y,
          outShape,
          (i) => f(bias[channel(i)], channel(i)),
          'float32',
          problems,
        );
      });
    }
    const label = `fused ${df}, no output rows`;
    cases++;
    leakFree(label, problems, () => {
      const y = hm.fused.conv2d({
        x: tf.ones(df === 'NHWC' ? [1, 0, 4, 2] : [1, 2, 0, 4]) as tf.Tensor4D,
        filter: tf.ones([3, 3, 2, 2]) as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        dataFormat: df,
        bias: tf.tensor1d(bias),
        activation: 'relu',
      });
      expectFilled(label, y, df === 'NHWC' ? [1, 0, 4, 2] : [1, 2, 0, 4], 0, 'float32', problems);
    });
  }
  for (const c of emptyPoolGeometries()) {
    const label = `pool x${fmt(c.x)} ${c.k}/${c.s} pad ${JSON.stringify(c.pad)} ${c.df}`;
    const info = tf.backend_util.computePool2DInfo(
      c.x as [number, number, number, number],
      c.k,
      c.s,
      1,
      c.pad,
      undefined,
      tfFormat(c.df),
    );
    cases++;
    leakFree(label, problems, () => {
      const x = tf.ones(c.x) as tf.Tensor4D;
      const y = hm.maxPool(x, c.k, c.s, c.pad, undefined, c.df);
      expectFilled(label, y, info.outShape, -Infinity, 'float32', problems);
      const dx = tf.grad((t: tf.Tensor) =>
        hm.maxPool(t as tf.Tensor4D, c.k, c.s, c.pad, undefined, c.df),
      )(x, tf.onesLike(y));
      expectFilled(`${label} dx`, dx, c.x, 0, 'float32', problems);
      const a = {filterSize: c.k, strides: c.s, pad: c.pad, dataFormat: c.df, dilations: 1};
      const [y2, argmax] = tf
        .engine()
        .runKernel(names.HandmadeMaxPool, {x}, a as unknown as tf.NamedAttrMap) as tf.Tensor[];
      expectFilled(`${label} kernel y`, y2, info.outShape, -Infinity, 'float32', problems);
      expectFilled(`${label} kernel argmax`, argmax, info.outShape, -1, 'int32', problems);
      expectFilled(
        `${label} MaxPoolGrad`,
        run(
          names.HandmadeMaxPoolGrad,
          {dy: tf.ones(info.outShape), argmax},
          {...a, inputShape: c.x},
        ),
        c.x,
        0,
        'float32',
        problems,
      );
      expectFilled(
        `${label} MaxPoolGather`,
        run(names.HandmadeMaxPoolGather, {x, argmax}, a),
        info.outShape,
        0,
        'float32',
        problems,
      );
    });
  }
  return {cases, problems, skipped: []};
}

// --- tfjs's ops under the override -------------------------------------------------------------

/** Calls of tfjs's own ops that contradict their attributes: under the override they throw the
 *  handmade kernels' clear errors (tfjs's own kernels read past dy and return numbers). */
export async function overrideErrorCases(): Promise<ContractResult> {
  const problems: string[] = [];
  const cases: [string, () => unknown, RegExp][] = [];
  // tf.conv2dTranspose whose x is not the forward's output of outputShape.
  for (const [x, outputShape, f, s, pad] of [
    [[1, 8, 8, 8], [1, 4, 4, 8], 8, 1, 'same'],
    [[1, 3, 3, 2], [1, 8, 8, 2], 3, 2, 'same'],
    [[1, 5, 5, 2], [1, 5, 5, 2], 3, 1, 'valid'],
    [[1, 2, 2, 2], [1, 9, 9, 2], 3, 2, 'valid'],
    [[2, 4, 4, 2], [2, 6, 6, 2], 3, 1, 1],
  ] as [number[], number[], number, number, Pad][]) {
    cases.push([
      `conv2dTranspose x${fmt(x)} outputShape ${fmt(outputShape)} ${f}x${f} s${s} ${pad}`,
      () =>
        tf.conv2dTranspose(
          tf.ones(x as Shape4) as tf.Tensor4D,
          tf.ones([f, f, outputShape[3], x[3]] as Shape4) as tf.Tensor4D,
          outputShape as [number, number, number, number],
          s,
          pad as 'same',
        ),
      /^HandmadeConv2DBackpropInput: dy of shape .* must have the shape .* of the output of the convolution of inputShape/,
    ]);
  }
  cases.push([
    'Conv2DBackpropFilter with a dy of the wrong shape',
    () =>
      run(
        'Conv2DBackpropFilter',
        {x: tf.ones([1, 6, 6, 2]), dy: tf.ones([1, 3, 3, 4])},
        {strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 4]},
      ),
    /^HandmadeConv2DBackpropFilter: dy of shape \[1,3,3,4\] must have the shape \[1,6,6,4\]/,
  ]);
  cases.push([
    'MaxPoolGrad with a dy of the wrong shape',
    () =>
      run(
        'MaxPoolGrad',
        {dy: tf.ones([1, 3, 3, 1]), input: tf.ones([1, 4, 4, 1]), output: tf.ones([1, 2, 2, 1])},
        {filterSize: 2, strides: 2, pad: 'valid'},
      ),
    /^HandmadeMaxPoolGrad: dy of shape \[1,3,3,1\] must have the shape \[1,2,2,1\]/,
  ]);
  hm.installAsBuiltins({backends: [tf.getBackend()]});
  try {
    for (const [label, call, message] of cases) expectThrows(label, call, message, problems);
  } finally {
    hm.uninstallBuiltins();
  }
  return {cases: cases.length, problems, skipped: []};
}

interface Form {
  label: string;
  run: () => tf.Tensor | tf.Tensor[];
}

/** Every input and attribute form of tfjs's six kernels that tfjs's ops pass: dtypes, pad forms,
 *  rounding modes, layouts, dilations, strides, every activation, bias and PReLU-weight shapes
 *  (those that broadcast the output's batch or rank included), and the gradients. */
export function overrideForms(): Form[] {
  const forms: Form[] = [];
  const t = (shape: number[], seed: number) =>
    tf.tensor(
      uniform(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      shape,
    );
  const d = (shape: number[], seed: number) =>
    tf.tensor(
      distinct(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      shape,
    );
  const explicit: Pad = [
    [0, 0],
    [1, 2],
    [0, 1],
    [0, 0],
  ];
  const convPads: [Pad, hm.RoundingMode | undefined][] = [
    ['same', undefined],
    ['valid', undefined],
    [1, undefined],
    [2, 'floor'],
    [1, 'round'],
    [1, 'ceil'],
    [explicit, undefined],
    [explicit, 'ceil'],
  ];
  for (const [pad, rounding] of convPads) {
    for (const s of [1, 2]) {
      const tag = `pad ${JSON.stringify(pad)}${rounding ? ` ${rounding}` : ''} s${s}`;
      forms.push({
        label: `conv2d ${tag}`,
        run: () =>
          tf.conv2d(
            t([2, 7, 6, 3], 1) as tf.Tensor4D,
            t([3, 2, 3, 4], 2) as tf.Tensor4D,
            s,
            pad as 'same',
            'NHWC',
            1,
            rounding,
          ),
      });
      // tfjs's own gradients drop dimRoundingMode, so they are no oracle where it changes the
      // geometry (the override's keep it: test/ops/finite_differences.test.ts checks those).
      const gradients = rounding == null || rounding === 'floor';
      if (gradients)
        forms.push({
          label: `conv2d grads ${tag}`,
          run: () =>
            tf.grads((a: tf.Tensor, b: tf.Tensor) =>
              tf.sum(
                tf.square(
                  tf.conv2d(
                    a as tf.Tensor4D,
                    b as tf.Tensor4D,
                    s,
                    pad as 'same',
                    'NHWC',
                    1,
                    rounding,
                  ),
                ),
              ),
            )([t([2, 7, 6, 3], 3), t([3, 2, 3, 4], 4)]),
        });
      forms.push({
        label: `maxPool ${tag}`,
        run: () =>
          tf.maxPool(d([2, 7, 6, 3], 5) as tf.Tensor4D, [3, 2], s, pad as 'same', rounding),
      });
      if (gradients)
        forms.push({
          label: `maxPool grad ${tag}`,
          run: () =>
            tf.grad((a: tf.Tensor) =>
              tf.sum(tf.square(tf.maxPool(a as tf.Tensor4D, [3, 2], s, pad as 'same', rounding))),
            )(d([2, 7, 6, 3], 6)),
        });
      forms.push({
        label: `maxPool int32 ${tag}`,
        run: () =>
          tf.maxPool(
            tf.tensor4d(
              distinct(2 * 7 * 6 * 3, 7).map((v) => Math.round(v * 1e4) + 16777216),
              [2, 7, 6, 3],
              'int32',
            ),
            [3, 2],
            s,
            pad as 'same',
            rounding,
          ),
      });
    }
  }
  forms.push({
    label: 'conv2d NCHW',
    run: () =>
      tf.conv2d(
        t([2, 3, 7, 6], 8) as tf.Tensor4D,
        t([3, 3, 3, 4], 9) as tf.Tensor4D,
        1,
        'same',
        'NCHW',
      ),
  });
  forms.push({
    label: 'conv2d dilated',
    run: () =>
      tf.conv2d(
        t([1, 9, 9, 2], 10) as tf.Tensor4D,
        t([3, 3, 2, 3], 11) as tf.Tensor4D,
        1,
        'same',
        'NHWC',
        [2, 3],
      ),
  });
  forms.push({
    label: 'conv2d strides [2,1]',
    run: () =>
      tf.conv2d(
        t([1, 9, 8, 2], 12) as tf.Tensor4D,
        t([3, 3, 2, 3], 13) as tf.Tensor4D,
        [2, 1],
        'valid',
      ),
  });
  for (const [x, outputShape, f, s, pad] of [
    [[1, 4, 4, 3], [1, 8, 8, 2], 3, 2, 'same'],
    [[1, 3, 3, 3], [1, 8, 8, 2], 3, 2, 'valid'],
    [[1, 4, 4, 3], [1, 9, 9, 2], 3, 2, 'valid'],
    [[2, 5, 5, 3], [2, 5, 5, 2], 3, 1, 1],
  ] as [number[], number[], number, number, Pad][]) {
    forms.push({
      label: `conv2dTranspose x${fmt(x)} outputShape ${fmt(outputShape)} s${s} ${JSON.stringify(pad)}`,
      run: () =>
        tf.conv2dTranspose(
          t(x, 14) as tf.Tensor4D,
          t([f, f, outputShape[3], x[3]], 15) as tf.Tensor4D,
          outputShape as [number, number, number, number],
          s,
          pad as 'same',
        ),
    });
  }
  // tfjs's kernels ignore dimRoundingMode with a string pad; tfjs's ops do not pass it there.
  forms.push({
    label: 'Conv2D kernel, pad same with dimRoundingMode ceil',
    run: () =>
      run(
        'Conv2D',
        {x: t([1, 5, 5, 2], 16), filter: t([2, 2, 2, 3], 17)},
        {strides: 2, pad: 'same', dataFormat: 'NHWC', dilations: 1, dimRoundingMode: 'ceil'},
      ),
  });
  forms.push({
    label: 'MaxPool kernel, pad valid with dimRoundingMode round',
    run: () =>
      run(
        'MaxPool',
        {x: d([1, 5, 5, 2], 18)},
        {filterSize: 2, strides: 2, pad: 'valid', dimRoundingMode: 'round'},
      ),
  });
  // The fused convolution: every activation with each bias form, and the PReLU-weight forms.
  const x = () => t([2, 6, 5, 2], 20) as tf.Tensor4D;
  const w = () => t([3, 3, 2, 3], 21) as tf.Tensor4D;
  const biases: [string, number[]][] = [
    ['none', []],
    ['scalar', []],
    ['[1]', [1]],
    ['[outC]', [3]],
    ['[W,outC]', [5, 3]],
    ['[H,W,outC]', [6, 5, 3]],
    ['[1,1,1,outC]', [1, 1, 1, 3]],
    ['[2,6,5,3]', [2, 6, 5, 3]],
    ['[1,6,1,1]', [1, 6, 1, 1]],
    ['batch-broadcasting [2,6,5,3] on batch 1', [2, 6, 5, 3]],
    ['rank 5 [1,1,1,1,outC]', [1, 1, 1, 1, 3]],
  ];
  for (const activation of names.ACTIVATIONS) {
    for (const [name, shape] of biases) {
      const batch1 = name.startsWith('batch-broadcasting');
      forms.push({
        label: `fused ${activation} bias ${name}`,
        run: () =>
          tf.fused.conv2d({
            x: batch1 ? (t([1, 6, 5, 2], 22) as tf.Tensor4D) : x(),
            filter: w(),
            strides: 1,
            pad: 'same',
            bias: name === 'none' ? undefined : t(shape, 23),
            activation,
            leakyreluAlpha: 0.15,
            preluActivationWeights: activation === 'prelu' ? t([3], 24) : undefined,
          }),
      });
    }
  }
  for (const [name, shape] of [
    ['scalar', []],
    ['[outC]', [3]],
    ['[H,W,outC]', [6, 5, 3]],
    ['[1,1,outC]', [1, 1, 3]],
  ] as [string, number[]][]) {
    forms.push({
      label: `fused prelu weights ${name}`,
      run: () =>
        tf.fused.conv2d({
          x: x(),
          filter: w(),
          strides: 1,
          pad: 'same',
          bias: t([3], 25),
          activation: 'prelu',
          preluActivationWeights: t(shape, 26),
        }),
    });
  }
  for (const activation of ['relu', 'prelu', 'leakyrelu'] as hm.Activation[]) {
    forms.push({
      label: `fused NCHW ${activation}`,
      run: () =>
        tf.fused.conv2d({
          x: t([2, 2, 6, 5], 27) as tf.Tensor4D,
          filter: w(),
          strides: 1,
          pad: 1,
          dataFormat: 'NCHW',
          bias: t([3], 28),
          activation,
          preluActivationWeights: activation === 'prelu' ? t([3], 29) : undefined,
          leakyreluAlpha: 0.1,
        }),
    });
  }
  forms.push({
    label: 'fused strided, explicit pad, ceil',
    run: () =>
      tf.fused.conv2d({
        x: x(),
        filter: w(),
        strides: 2,
        pad: explicit as unknown as 'same',
        dimRoundingMode: 'ceil',
        bias: t([3], 30),
        activation: 'relu',
      }),
  });
  forms.push({
    label: 'fused dilated',
    run: () =>
      tf.fused.conv2d({
        x: x(),
        filter: w(),
        strides: 1,
        pad: 'same',
        dilations: 2,
        bias: t([3], 31),
        activation: 'elu',
      }),
  });
  return forms;
}

function outputsOf(
  r: tf.Tensor | tf.Tensor[],
): {dtype: string; shape: number[]; values: number[]}[] {
  return (Array.isArray(r) ? r : [r]).map((o) => ({
    dtype: o.dtype,
    shape: o.shape,
    values: Array.from(o.dataSync()),
  }));
}

export interface OverrideContractOptions {
  /** The backend whose tfjs kernels give the expected results; the active one by default. */
  oracle?: string;
  /** A pattern (RegExp source) of the labels of forms that the override hands back to the
   *  active backend's own tfjs kernel (tfjsOnly in src/builtin_adapters.ts): their expected
   *  result is that kernel's on the active backend, outputs or the error it throws. */
  handedBack?: string;
}

/** Each form of overrideForms through tfjs's own kernels (on `options.oracle`), then under
 *  installAsBuiltins on the active backend: the same dtypes and shapes, integer outputs equal,
 *  float outputs equal to rtol (relative to the largest magnitude). Forms tfjs's own op throws
 *  for are skipped, except those handed back, which must throw the same error. */
export async function overrideContractCases(
  rtol: number,
  options: OverrideContractOptions = {},
): Promise<ContractResult> {
  const problems: string[] = [];
  const skipped: string[] = [];
  const backend = tf.getBackend();
  const forms = overrideForms();
  const handedBack =
    options.handedBack == null
      ? () => false
      : (label: string) => new RegExp(options.handedBack!).test(label);
  const theirs = new Map<string, ReturnType<typeof outputsOf>>();
  const rejected = new Map<string, string>();
  const record = (form: Form, onError: (message: string) => void) => {
    try {
      theirs.set(
        form.label,
        tf.tidy(() => outputsOf(form.run())),
      );
    } catch (e) {
      onError((e as Error).message);
    }
  };
  for (const form of forms.filter((f) => handedBack(f.label))) {
    record(form, (message) => rejected.set(form.label, message));
  }
  if (options.oracle != null) await tf.setBackend(options.oracle);
  try {
    for (const form of forms.filter((f) => !handedBack(f.label))) {
      record(form, (message) => skipped.push(`${form.label}: ${message.slice(0, 120)}`));
    }
  } finally {
    await tf.setBackend(backend);
  }
  hm.installAsBuiltins({backends: [backend]});
  try {
    for (const [label, message] of rejected) {
      const literal = new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
      expectThrows(
        `${label} (tfjs's ${backend} kernel rejects it)`,
        () => forms.find((f) => f.label === label)!.run(),
        literal,
        problems,
      );
    }
    for (const form of forms) {
      const expected = theirs.get(form.label);
      if (expected == null) continue;
      leakFree(form.label, problems, () => {
        let actual: ReturnType<typeof outputsOf>;
        try {
          actual = outputsOf(form.run());
        } catch (e) {
          problems.push(`${form.label}: threw '${(e as Error).message}' under the override`);
          return;
        }
        expected.forEach((want, k) => {
          const got = actual[k];
          if (got == null || got.dtype !== want.dtype || fmt(got.shape) !== fmt(want.shape)) {
            problems.push(
              `${form.label} output ${k}: ${got?.dtype} ${fmt(got?.shape ?? [])} under the ` +
                `override, tfjs: ${want.dtype} ${fmt(want.shape)}`,
            );
            return;
          }
          const scale = Math.max(1e-30, ...want.values.filter(Number.isFinite).map(Math.abs));
          const tol = want.dtype === 'int32' ? 0 : rtol * scale;
          const bad = want.values.findIndex(
            (v, i) => !Object.is(v, got.values[i]) && !(Math.abs(v - got.values[i]) <= tol),
          );
          if (bad >= 0) {
            problems.push(
              `${form.label} output ${k} element ${bad}: ${got.values[bad]} under the override, ` +
                `tfjs: ${want.values[bad]}`,
            );
          }
        });
      });
    }
  } finally {
    hm.uninstallBuiltins();
  }
  return {cases: forms.length, problems, skipped};
}
