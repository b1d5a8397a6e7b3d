// Pads far larger than the input: most outputs then have a window that lies wholly in the
// padding, whose values are known (0 for a convolution before bias and activation, -Infinity and
// no argmax for a max pool, and no share of dy in either gradient). The kernels compute only the
// outputs whose windows read x; these cases check the values against the reference on small
// inputs (the conv and pool case bodies of bodies.ts), and time the kernels where the padding
// makes millions of outputs from one input value.

import * as tf from '@tensorflow/tfjs-core';
import * as names from '../../kernels/names';
import type {ConvAttrs, PadSpec, PoolAttrs} from '../../kernels/names';
import {convCaseName, poolCaseName} from './sweeps';
import type {ConvCase, PoolCase} from './sweeps';

function conv(xShape: number[], filterShape: number[], a: Partial<ConvAttrs>): ConvCase {
  const attrs: ConvAttrs = {strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, ...a};
  const inC = attrs.dataFormat === 'NHWC' ? xShape[3] : xShape[1];
  const groups = inC / filterShape[2];
  return {name: convCaseName(xShape, filterShape, attrs, groups, JSON.stringify(attrs.pad)),
          xShape, filterShape, attrs, groups, seed: 6100 + xShape.reduce((p, q) => p * 5 + q, 0) % 883};
}

function pool(xShape: number[], a: Partial<PoolAttrs>): PoolCase {
  const attrs: PoolAttrs = {filterSize: 3, strides: 1, pad: 'same', dataFormat: 'NHWC', ...a};
  return {name: poolCaseName(xShape, attrs, JSON.stringify(attrs.pad)), xShape, attrs,
          seed: 6300 + xShape.reduce((p, q) => p * 5 + q, 0) % 881};
}

const explicit = (top: number, bottom: number, left: number, right: number): PadSpec =>
    [[0, 0], [top, bottom], [left, right], [0, 0]];
const explicitNchw = (top: number, bottom: number, left: number, right: number): PadSpec =>
    [[0, 0], [0, 0], [top, bottom], [left, right]];

export const LARGE_PAD_CONV_CASES: ConvCase[] = [
  conv([1, 1, 1, 1], [3, 3, 1, 2], {pad: 9}),
  conv([2, 2, 3, 3], [2, 3, 3, 4], {pad: explicit(7, 2, 1, 11)}),
  conv([1, 3, 2, 2], [3, 3, 2, 3], {pad: 6, strides: [2, 3]}),
  conv([1, 2, 2, 2], [3, 2, 2, 2], {pad: explicit(10, 9, 8, 7), dilations: [3, 2]}),
  conv([1, 1, 2, 3], [2, 2, 1, 3], {pad: explicit(5, 8, 6, 0), strides: 3}),
  conv([1, 4, 3, 2], [2, 2, 1, 2], {pad: 5}),                                  // groups 2
  conv([2, 2, 3, 2], [3, 3, 2, 2], {pad: explicitNchw(8, 6, 4, 9), dataFormat: 'NCHW'}),
  conv([1, 3, 3, 8], [3, 3, 8, 8], {pad: 7}),                                  // webgl packed inputs
  conv([1, 2, 2, 2], [2, 2, 2, 2], {pad: 7, strides: 4}),                      // stride past the window
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
  const timed = async (label: string, f: () => tf.Tensor | tf.Tensor[],
                       check: (values: ArrayLike<number>[]) => boolean) => {
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
  await timed('Conv2D', () => run(names.HandmadeConv2D, {x, filter: w}, conv) as tf.Tensor,
              ([y]) => every(y, (v, i) => v === (live(i) ? channels : 0)));
  await timed('Conv2DBackpropInput', () => run(names.HandmadeConv2DBackpropInput, {dy, filter: w},
                                               {...conv, inputShape: xShape}) as tf.Tensor,
              ([dx]) => every(dx, (v) => v === 9 * 0.5 * channels));
  await timed('Conv2DBackpropFilter', () => run(names.HandmadeConv2DBackpropFilter, {x, dy},
                                                {...conv, filterShape: [3, 3, channels, channels]}) as tf.Tensor,
              ([dW]) => every(dW, (v) => v === 2));
  await timed('FusedConv2D', () => run(names.HandmadeFusedConv2D, {x, filter: w},
                                       {...conv, activation: 'relu'}) as tf.Tensor,
              ([y]) => every(y, (v, i) => v === (live(i) ? channels : 0)));
  await timed('MaxPool', () => run(names.HandmadeMaxPool, {x}, poolAttrs) as tf.Tensor[],
              ([y, argmax]) => every(y, (v, i) => v === (live(i) ? 2 : -Infinity)) &&
                  every(argmax, (a, i) => live(i) ? a >= 0 : a === -1));
  const [pooled, argmax] = run(names.HandmadeMaxPool, {x}, poolAttrs) as tf.Tensor[];
  await timed('MaxPoolGrad', () => run(names.HandmadeMaxPoolGrad, {dy, argmax},
                                       {...poolAttrs, inputShape: xShape}) as tf.Tensor,
              ([dx]) => every(dx, (v) => v === 9));
  await timed('MaxPoolGather', () => run(names.HandmadeMaxPoolGather, {x, argmax}, poolAttrs) as tf.Tensor,
              ([g]) => every(g, (v, i) => v === (live(i) ? 2 : 0)));
  tf.dispose([x, w, dy, pooled, argmax]);
  return times;
}
