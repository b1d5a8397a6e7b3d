// The kernel table is complete and closed: every row has an implementation on every backend and
// a gradient registered under its own name, and every gradient runs only rows of the table
// (checked by profiling each gradient, to second order, not only by reading gradientCalls).

import * as tf from '@tensorflow/tfjs-core';

import * as names from '../kernels/names';
import * as hm from '../src/index';
import {BACKENDS, KERNEL_TABLE} from '../src/kernel_table';

beforeAll(() => tf.setBackend('cpu'));

const rowNames = KERNEL_TABLE.map((r) => r.kernelName);

test('the table has one row per kernel name', () => {
  expect([...rowNames].sort()).toEqual([...names.KERNEL_NAMES].sort());
});

test('every row has exactly the backends of the table: cpu, wasm and webgl', () => {
  expect(BACKENDS).toEqual(expect.arrayContaining(['cpu', 'wasm', 'webgl']));
  for (const row of KERNEL_TABLE)
    expect(Object.keys(row.backends).sort()).toEqual([...BACKENDS].sort());
});

describe.each(KERNEL_TABLE.map((r) => [r.kernelName, r] as const))('%s', (name, row) => {
  test.each([...BACKENDS])('is registered on %s with the table function', (backend) => {
    expect(typeof row.backends[backend]).toBe('function');
    expect(tf.getKernel(name, backend)?.kernelFunc).toBe(row.backends[backend]);
  });
  test('has its gradient registered, and the gradient calls only table rows', () => {
    expect(row.gradient.kernelName).toBe(name);
    expect(tf.getGradient(name)).toBe(row.gradient);
    for (const callee of row.gradientCalls) expect(rowNames).toContain(callee);
  });
});

/** Runs `f` under tf.profile and returns the Handmade kernels that ran. */
async function handmadeKernels(f: () => tf.Tensor | tf.Tensor[]): Promise<Set<string>> {
  const info = await tf.profile(() => f());
  tf.dispose(info.result as tf.Tensor[]);
  return new Set(info.kernels.map((k) => k.name).filter((n) => n.startsWith('Handmade')));
}

const x = () => tf.randomUniform([1, 6, 6, 4], -1, 1, 'float32', 3);
const w = () => tf.randomUniform([3, 3, 2, 4], -1, 1, 'float32', 4);
const sq = (t: tf.Tensor) => tf.sum(tf.square(t));
const conv = (a: tf.Tensor, b: tf.Tensor) =>
  hm.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same', 'NHWC', 2);
const fused = (a: tf.Tensor, b: tf.Tensor) =>
  hm.fused.conv2d({
    x: a as tf.Tensor4D,
    filter: b as tf.Tensor4D,
    strides: 1,
    pad: 'same',
    bias: tf.ones([4]),
    activation: 'relu6',
  });
const pool = (a: tf.Tensor) => hm.maxPool(a as tf.Tensor4D, 2, 2, 'valid');
const poolValues = (a: tf.Tensor) =>
  tf
    .engine()
    .runKernel(
      names.HandmadeMaxPoolValues,
      {x: a},
      {filterSize: 2, strides: 2, pad: 'valid', dataFormat: 'NHWC', dilations: 1},
    ) as tf.Tensor;

test('every gradient, to second order, runs only the kernels its row names', async () => {
  const allowed = (...rows: string[]) =>
    new Set(
      rows.flatMap((r) => [r, ...KERNEL_TABLE.find((k) => k.kernelName === r)!.gradientCalls]),
    );
  const scenarios: [string[], () => tf.Tensor | tf.Tensor[]][] = [
    [
      [names.HandmadeConv2D],
      () => tf.grads((a: tf.Tensor, b: tf.Tensor) => sq(conv(a, b)))([x(), w()]),
    ],
    [
      [names.HandmadeFusedConv2D],
      () => tf.grads((a: tf.Tensor, b: tf.Tensor) => sq(fused(a, b)))([x(), w()]),
    ],
    [[names.HandmadeMaxPool], () => tf.grad((a: tf.Tensor) => sq(pool(a)))(x())],
    [[names.HandmadeMaxPoolValues], () => tf.grad((a: tf.Tensor) => sq(poolValues(a)))(x())],
    [
      [names.HandmadeConv2D, names.HandmadeConv2DBackpropInput, names.HandmadeConv2DBackpropFilter],
      () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.add(
            sq(tf.grads((p: tf.Tensor, q: tf.Tensor) => sq(conv(p, q)))([a, b])[0]),
            sq(tf.grads((p: tf.Tensor, q: tf.Tensor) => sq(conv(p, q)))([a, b])[1]),
          ),
        )([x(), w()]),
    ],
    [
      [names.HandmadeMaxPool, names.HandmadeMaxPoolGrad, names.HandmadeMaxPoolGather],
      () => tf.grad((a: tf.Tensor) => sq(tf.grad((p: tf.Tensor) => sq(pool(p)))(a)))(x()),
    ],
  ];
  for (const [rows, scenario] of scenarios) {
    const ran = await handmadeKernels(() => tf.tidy(scenario));
    const ok = allowed(...rows);
    for (const k of ran) expect([k, ok.has(k)]).toEqual([k, true]);
    for (const r of rows) expect([r, ran.has(r)]).toEqual([r, true]);
    expect(ran.size).toBeGreaterThan(1); // the gradient ran table rows besides the forward
  }
});

test('HandmadeMaxPoolValues: y and the gradient of HandmadeMaxPool, ties and padding included', () => {
  for (const attrs of [
    {filterSize: 2, strides: 2, pad: 'valid', dataFormat: 'NHWC', dilations: 1},
    {filterSize: 3, strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1},
    {filterSize: [3, 2], strides: [2, 1], pad: 1, dataFormat: 'NCHW', dilations: [1, 2]},
  ]) {
    tf.tidy(() => {
      // Rounded to tenths, so that windows hold ties.
      const x0 = tf.round(tf.mul(tf.randomUniform([2, 5, 6, 3], -1, 1, 'float32', 7), 10));
      const values = (a: tf.Tensor) =>
        tf
          .engine()
          .runKernel(
            names.HandmadeMaxPoolValues,
            {x: a},
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor;
      const full = (a: tf.Tensor) =>
        (
          tf
            .engine()
            .runKernel(
              names.HandmadeMaxPool,
              {x: a},
              attrs as unknown as tf.NamedAttrMap,
            ) as tf.Tensor[]
        )[0];
      const dy = tf.randomUniform(values(x0).shape, -1, 1, 'float32', 8);
      expect(Array.from(values(x0).dataSync())).toEqual(Array.from(full(x0).dataSync()));
      const g1 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(values(a), dy)))(x0);
      const g2 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(full(a), dy)))(x0);
      expect(Array.from(g1.dataSync())).toEqual(Array.from(g2.dataSync()));
    });
  }
});
