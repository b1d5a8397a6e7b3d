// Pads far larger than the input: most outputs then have a window that lies wholly in the
// padding, whose values are known (0 for a convolution before bias and activation, -Infinity and
// no argmax for a max pool, and no share of dy in either gradient). The kernels compute only the
// outputs whose windows read x; these cases check the values against the reference on small
// inputs (the conv and pool case bodies of bodies.ts, the fused one of fused.ts), and time the
// kernels where the padding makes millions of outputs from one input value. The fused
// convolution's outputs that read no x are act(bias + 0), with biases and PReLU weights that vary
// over those outputs too.

import * as tf from '@tensorflow/tfjs-core';

import {ConvGeometry, convGeometry, sizeOf} from '../../kernels/geometry';
import type {ConvAttrs, PadSpec, PoolAttrs} from '../../kernels/names';
import * as names from '../../kernels/names';
import {uniform} from '../helpers/random';
import type {CaseResult} from './bodies';
import type {FusedCase} from './fused';
import {fusedCase, fusedCaseOf} from './fused';
import type {ConvCase, PoolCase} from './sweeps';
import {convCaseName, poolCaseName} from './sweeps';

function conv(xShape: number[], filterShape: number[], a: Partial<ConvAttrs>): ConvCase {
  const attrs: ConvAttrs = {strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, ...a};
  const inC = attrs.dataFormat === 'NHWC' ? xShape[3] : xShape[1];
  const groups = inC / filterShape[2];
  return {
    name: convCaseName(xShape, filterShape, attrs, groups, JSON.stringify(attrs.pad)),
    xShape,
    filterShape,
    attrs,
    groups,
    seed: 6100 + (xShape.reduce((p, q) => p * 5 + q, 0) % 883),
  };
}

function pool(xShape: number[], a: Partial<PoolAttrs>): PoolCase {
  const attrs: PoolAttrs = {filterSize: 3, strides: 1, pad: 'same', dataFormat: 'NHWC', ...a};
  return {
    name: poolCaseName(xShape, attrs, JSON.stringify(attrs.pad)),
    xShape,
    attrs,
    seed: 6300 + (xShape.reduce((p, q) => p * 5 + q, 0) % 881),
  };
}

const explicit = (top: number, bottom: number, left: number, right: number): PadSpec => [
  [0, 0],
  [top, bottom],
  [left, right],
  [0, 0],
];
const explicitNchw = (top: number, bottom: number, left: number, right: number): PadSpec => [
  [0, 0],
  [0, 0],
  [top, bottom],
  [left, right],
];

export const LARGE_PAD_CONV_CASES: ConvCase[] = [
  conv([1, 1, 1, 1], [3, 3, 1, 2], {pad: 9}),
  conv([2, 2, 3, 3], [2, 3, 3, 4], {pad: explicit(7, 2, 1, 11)}),
  conv([1, 3, 2, 2], [3, 3, 2, 3], {pad: 6, strides: [2, 3]}),
  conv([1, 2, 2, 2], [3, 2, 2, 2], {pad: explicit(10, 9, 8, 7), dilations: [3, 2]}),
  conv([1, 1, 2, 3], [2, 2, 1, 3], {pad: explicit(5, 8, 6, 0), strides: 3}),
  conv([1, 4, 3, 2], [2, 2, 1, 2], {pad: 5}), // groups 2
  conv([2, 2, 3, 2], [3, 3, 2, 2], {pad: explicitNchw(8, 6, 4, 9), dataFormat: 'NCHW'}),
  conv([1, 3, 3, 8], [3, 3, 8, 8], {pad: 7}), // webgl packed inputs
  conv([1, 2, 2, 2], [2, 2, 2, 2], {pad: 7, strides: 4}), // stride past the window
];

/** A fused operand's shape: per channel ([outC], in either layout), over every output but the
 *  batch (the output's shape without its batch axis, broadcast along it), or the output's own. */
type OperandForm = 'channel' | 'output' | 'whole';

function operandShape(form: OperandForm, g: ConvGeometry): number[] {
  switch (form) {
    case 'channel':
      return [g.outChannels];
    case 'output':
      return g.outShape.slice(1);
    case 'whole':
      return [...g.outShape];
  }
}

function fused(
  c: ConvCase,
  activation: names.Activation,
  bias: OperandForm,
  prelu?: OperandForm,
): FusedCase {
  const g = convGeometry(c.xShape, c.filterShape, c.attrs);
  const biasShape = operandShape(bias, g);
  const preluShape = prelu == null ? null : operandShape(prelu, g);
  return fusedCaseOf(c, activation, biasShape, preluShape);
}

// Each program of the webgl convolution (packed inputs, columns, one element per output in NCHW
// and for odd groups), every activation, and both layouts; the last case's windows (1x1, stride
// 2) all miss the single input value, so no output reads x.
export const LARGE_PAD_FUSED_CASES: FusedCase[] = [
  fused(conv([1, 1, 1, 1], [3, 3, 1, 2], {pad: 9}), 'relu', 'channel'),
  fused(conv([1, 1, 1, 1], [3, 3, 1, 2], {pad: 9}), 'sigmoid', 'output'),
  fused(conv([2, 2, 3, 3], [2, 3, 3, 4], {pad: explicit(7, 2, 1, 11)}), 'leakyrelu', 'whole'),
  fused(conv([1, 3, 2, 2], [3, 3, 2, 3], {pad: 6, strides: [2, 3]}), 'elu', 'channel'),
  fused(
    conv([1, 2, 2, 2], [3, 2, 2, 2], {pad: explicit(10, 9, 8, 7), dilations: [3, 2]}),
    'relu6',
    'output',
  ),
  fused(conv([1, 4, 3, 2], [2, 2, 1, 2], {pad: 5}), 'linear', 'channel'), // groups 2
  fused(conv([1, 3, 3, 8], [3, 3, 8, 8], {pad: 7}), 'prelu', 'channel', 'output'), // packed inputs
  fused(conv([1, 2, 2, 2], [2, 2, 2, 2], {pad: 7, strides: 4}), 'leakyrelu', 'output'),
  fused(
    conv([2, 2, 3, 2], [3, 3, 2, 2], {pad: explicitNchw(8, 6, 4, 9), dataFormat: 'NCHW'}),
    'elu',
    'channel',
  ),
  fused(
    conv([2, 2, 3, 2], [3, 3, 2, 2], {pad: explicitNchw(8, 6, 4, 9), dataFormat: 'NCHW'}),
    'prelu',
    'output',
    'channel',
  ),
  fused(conv([2, 3, 2, 2], [2, 2, 3, 2], {pad: 7, dataFormat: 'NCHW'}), 'sigmoid', 'whole'),
  fused(
    conv([1, 1, 1, 1], [1, 1, 1, 2], {pad: explicit(1, 2, 1, 2), strides: 2}),
    'sigmoid',
    'output',
  ),
];

export const LARGE_PAD_POOL_CASES: PoolCase[] = [
  pool([1, 1, 1, 1], {pad: 9}),
  pool([2, 2, 3, 3], {filterSize: [2, 3], pad: explicit(7, 2, 1, 11)}),
  pool([1, 3, 2, 2], {pad: 6, strides: [2, 3]}),
  pool([1, 2, 2, 2], {filterSize: [3, 2], pad: explicit(10, 9, 8, 7), dilations: [3, 2]}),
  pool([2, 3, 2, 2], {pad: explicitNchw(8, 6, 4, 9), dataFormat: 'NCHW'}),
  pool([1, 2, 2, 2], {filterSize: 2, pad: 7, strides: 4}),
];

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap);

/** Milliseconds each kernel takes on a [1, 1, 1, channels] input with a numeric pad and a 3x3
 *  window, output values read back included; every output is checked against its known value. */
export async function largePadTimings(pad: number, channels = 1): Promise<Record<string, number>> {
  const side = 2 * pad - 1;
  const xShape = [1, 1, 1, channels];
  const x = tf.fill(xShape, 2);
  const w = tf.fill([3, 3, channels, channels], 0.5);
  const dy = tf.fill([1, side, side, channels], 1);
  const conv: ConvAttrs = {strides: 1, pad, dataFormat: 'NHWC', dilations: 1};
  const poolAttrs: PoolAttrs = {filterSize: 3, strides: 1, pad, dataFormat: 'NHWC'};
  const times: Record<string, number> = {};
  const timed = async (
    label: string,
    f: () => tf.Tensor | tf.Tensor[],
    check: (values: ArrayLike<number>[]) => boolean,
  ) => {
    const t0 = performance.now();
    const outs = [f()].flat();
    const values = await Promise.all(outs.map((t) => t.data()));
    times[label] = performance.now() - t0;
    tf.dispose(outs);
    if (!check(values)) throw new Error(`${label}: wrong values with pad ${pad}`);
  };
  // Output (pad - 1, pad - 1) is the one whose window's center reads x; every other window holds
  // x at another tap, or none.
  const live = (i: number) => {
    const r = Math.floor(i / channels / side);
    const col = Math.floor(i / channels) % side;
    return Math.abs(r - (pad - 1)) <= 1 && Math.abs(col - (pad - 1)) <= 1;
  };
  const every = (v: ArrayLike<number>, f: (value: number, i: number) => boolean) =>
    Array.prototype.every.call(v, f as (value: unknown, i: number) => boolean);
  await timed(
    'Conv2D',
    () => run(names.HandmadeConv2D, {x, filter: w}, conv) as tf.Tensor,
    ([y]) => every(y, (v, i) => v === (live(i) ? channels : 0)),
  );
  await timed(
    'Conv2DBackpropInput',
    () =>
      run(
        names.HandmadeConv2DBackpropInput,
        {dy, filter: w},
        {...conv, inputShape: xShape},
      ) as tf.Tensor,
    ([dx]) => every(dx, (v) => v === 9 * 0.5 * channels),
  );
  await timed(
    'Conv2DBackpropFilter',
    () =>
      run(
        names.HandmadeConv2DBackpropFilter,
        {x, dy},
        {...conv, filterShape: [3, 3, channels, channels]},
      ) as tf.Tensor,
    ([dW]) => every(dW, (v) => v === 2),
  );
  await timed(
    'FusedConv2D',
    () =>
      run(names.HandmadeFusedConv2D, {x, filter: w}, {...conv, activation: 'relu'}) as tf.Tensor,
    ([y]) => every(y, (v, i) => v === (live(i) ? channels : 0)),
  );
  await timed(
    'MaxPool',
    () => run(names.HandmadeMaxPool, {x}, poolAttrs) as tf.Tensor[],
    ([y, argmax]) =>
      every(y, (v, i) => v === (live(i) ? 2 : -Infinity)) &&
      every(argmax, (a, i) => (live(i) ? a >= 0 : a === -1)),
  );
  const [pooled, argmax] = run(names.HandmadeMaxPool, {x}, poolAttrs) as tf.Tensor[];
  await timed(
    'MaxPoolGrad',
    () =>
      run(names.HandmadeMaxPoolGrad, {dy, argmax}, {...poolAttrs, inputShape: xShape}) as tf.Tensor,
    ([dx]) => every(dx, (v) => v === 9),
  );
  await timed(
    'MaxPoolGather',
    () => run(names.HandmadeMaxPoolGather, {x, argmax}, poolAttrs) as tf.Tensor,
    ([g]) => every(g, (v, i) => v === (live(i) ? 2 : 0)),
  );
  tf.dispose([x, w, dy, pooled, argmax]);
  return times;
}

interface Usage {
  numTensors: number;
  numDataBuffers: number;
  numBytesInGPU?: number;
}

function usage(): Usage {
  const m = tf.memory() as tf.MemoryInfo & {numBytesInGPU?: number};
  return {
    numTensors: m.numTensors,
    numDataBuffers: m.numDataBuffers,
    numBytesInGPU: m.numBytesInGPU,
  };
}

/** The fused case body (values against the reference, no tensor leaked), then a second call on
 *  resident inputs that must leave the backend's data and, on webgl, its texture bytes where
 *  they were: the kernel's intermediates (the cropped convolution, the padded one) are backend
 *  data that tf.memory().numTensors does not count. */
export async function largePadFusedCase(c: FusedCase, rtol: number): Promise<CaseResult> {
  const result = await fusedCase(c, rtol);
  const random = (shape: number[], seed: number) => tf.tensor(uniform(sizeOf(shape), seed), shape);
  const inputs: tf.NamedTensorMap = {
    x: random(c.xShape, c.seed),
    filter: random(c.filterShape, c.seed + 1),
  };
  if (c.biasShape) inputs.bias = random(c.biasShape, c.seed + 3);
  if (c.preluShape) inputs.preluActivationWeights = random(c.preluShape, c.seed + 4);
  const once = async () => {
    const y = run(names.HandmadeFusedConv2D, inputs, {
      ...c.attrs,
      activation: c.activation,
      leakyreluAlpha: c.leakyreluAlpha,
    }) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  await once(); // uploads the inputs
  const before = usage();
  await once();
  const after = usage();
  tf.dispose(Object.values(inputs));
  if (JSON.stringify(after) !== JSON.stringify(before)) {
    throw new Error(`${c.name} leaked: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  }
  return result;
}

/** Milliseconds the fused kernel takes on a [1, 1, 1, channels] input with a numeric pad and a
 *  3x3 window, per form of its operands, output values read back included; every output is
 *  checked against its known value. Each live output's window reads x (2) at one tap of W (0.5)
 *  per input channel: the convolution is `channels` there, 0 elsewhere. The biases are small
 *  integers, so every value is exact. */
export async function largePadFusedTimings(
  pad: number,
  channels = 2,
): Promise<Record<string, number>> {
  const side = 2 * pad - 1;
  const x = tf.fill([1, 1, 1, channels], 2);
  const w = tf.fill([3, 3, channels, channels], 0.5);
  const attrs: ConvAttrs = {strides: 1, pad, dataFormat: 'NHWC', dilations: 1};
  // Per channel: -3 for channel 0, which turns the live outputs negative, 1 for the others.
  const perChannel = tf.tensor(
    Array.from({length: channels}, (_, d) => (d === 0 ? -3 : 1)),
    [channels],
  );
  // Over the whole output: -3 .. 3 by flat index.
  const overOutput = tf.tensor(
    Float32Array.from({length: side * side * channels}, (_, i) => (i % 7) - 3),
    [side, side, channels],
  );
  const live = (i: number) => {
    const r = Math.floor(i / channels / side);
    const col = Math.floor(i / channels) % side;
    return Math.abs(r - (pad - 1)) <= 1 && Math.abs(col - (pad - 1)) <= 1;
  };
  const conv = (i: number) => (live(i) ? channels : 0);
  const forms: [string, tf.NamedTensorMap, names.Activation, (i: number) => number][] = [
    [
      'leakyrelu, bias [outC]',
      {bias: perChannel},
      'leakyrelu',
      (i) => {
        const v = conv(i) + (i % channels === 0 ? -3 : 1);
        return v < 0 ? v * 0.25 : v;
      },
    ],
    [
      'relu6, bias over the output',
      {bias: overOutput},
      'relu6',
      (i) => Math.min(Math.max(conv(i) + (i % 7) - 3, 0), 6),
    ],
    [
      'prelu, weights over the output',
      {bias: perChannel, preluActivationWeights: overOutput},
      'prelu',
      (i) => {
        const v = conv(i) + (i % channels === 0 ? -3 : 1);
        return v < 0 ? v * ((i % 7) - 3) : v;
      },
    ],
  ];
  const times: Record<string, number> = {};
  for (const [label, operands, activation, expected] of forms) {
    const t0 = performance.now();
    const y = run(
      names.HandmadeFusedConv2D,
      {x, filter: w, ...operands},
      {...attrs, activation, leakyreluAlpha: 0.25},
    ) as tf.Tensor;
    const values = await y.data();
    times[`FusedConv2D ${label}`] = performance.now() - t0;
    y.dispose();
    const bad = values.findIndex((v, i) => v !== expected(i));
    if (bad >= 0) {
      throw new Error(
        `FusedConv2D ${label}: output ${bad} is ${values[bad]}, ` +
          `not ${expected(bad)}, with pad ${pad}`,
      );
    }
  }
  tf.dispose([x, w, perChannel, overOutput]);
  return times;
}
