// The host kernels on tfjs's wasm backend, in node: the same case bodies as the cpu suite, on wasm
// tensors, and gradients through the ops. tfjs's own wasm backend has no Conv2DBackpropFilter at
// all, so without these kernels no convolution can be trained there.

import '@tensorflow/tfjs-backend-wasm';

import * as tf from '@tensorflow/tfjs-core';

import * as hm from '../../src/index';
import {convCase, poolCase} from '../cases/bodies';
import {CONV_CASES, every, POOL_CASES} from '../cases/sweeps';
import {uniform} from '../helpers/random';
import {worst} from '../helpers/report';

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});

afterAll(() => worst.print());

test("tfjs's wasm backend has no Conv2DBackpropFilter of its own", () => {
  expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
  expect(tf.getKernel(hm.HandmadeConv2DBackpropFilter, 'wasm')).toBeDefined();
});

describe('wasm conv kernels vs reference (rtol 1e-5)', () => {
  test.each(every(CONV_CASES, 3).map((c) => [c.name, c] as const))('%s', async (_, c) => {
    expect(tf.getBackend()).toBe('wasm');
    worst.record('wasm conv', (await convCase(c, 1e-5)).errors);
  });
});

describe('wasm max-pool kernels vs reference (rtol 1e-5)', () => {
  test.each(every(POOL_CASES, 2).map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('wasm pool', (await poolCase(c, 1e-5)).errors);
  });
});

test("gradients of conv, fused conv and max pool train a step on wasm, equal to cpu's", async () => {
  const x = uniform(2 * 9 * 9 * 4, 1);
  const w = uniform(3 * 3 * 2 * 6, 2);
  const b = uniform(6, 3);
  const step = () =>
    tf.tidy(() => {
      const [xt, wt, bt] = [tf.tensor(x, [2, 9, 9, 4]), tf.tensor(w, [3, 3, 2, 6]), tf.tensor1d(b)];
      return tf
        .grads((a: tf.Tensor, f: tf.Tensor, bias: tf.Tensor) => {
          const y = hm.fused.conv2d({
            x: a as tf.Tensor4D,
            filter: f as tf.Tensor4D,
            strides: 1,
            pad: 'same',
            dilations: 2,
            bias,
            activation: 'relu',
          });
          return tf.sum(
            tf.square(hm.maxPool(hm.conv2d(y, f as tf.Tensor4D, 1, 'valid'), 2, 2, 'valid')),
          );
        })([xt, wt, bt])
        .map((g) => Array.from(g.dataSync()));
    });
  const before = tf.memory().numTensors;
  const onWasm = step();
  expect(tf.memory().numTensors).toBe(before);
  await tf.setBackend('cpu');
  const onCpu = step();
  await tf.setBackend('wasm');
  onWasm.forEach((g, i) => {
    const scale = Math.max(...onCpu[i].map(Math.abs));
    g.forEach((v, j) => expect(Math.abs(v - onCpu[i][j])).toBeLessThanOrEqual(1e-5 * scale));
  });
});

test('hm.compare on wasm: every quick case passes', async () => {
  const rows = await hm.compare({backends: ['wasm'], cases: 'quick', repeats: 1});
  expect(rows.every((r) => r.backend === 'wasm' && r.ok)).toBe(true);
  // no built-in filter gradient on wasm; its MaxPoolGrad is timed but is not an oracle
  expect(
    rows
      .filter((r) => r.kernel === hm.HandmadeConv2DBackpropFilter)
      .every((r) => r.builtin == null),
  ).toBe(true);
  expect(rows.find((r) => r.kernel === hm.HandmadeMaxPoolGrad && r.builtin != null)?.note).toMatch(
    /not an oracle/,
  );
});

describe("the SIMD kernels in place on tfjs-wasm's heap (kernels/simd/wasm_heap.ts)", () => {
  const attrs = {strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1};
  const poolAttrs = {filterSize: 3, strides: 2, pad: 'same', dataFormat: 'NHWC', dilations: 1};
  const calls: [string, () => tf.Tensor[]][] = [
    [
      'HandmadeConv2D',
      () => [
        tf.engine().runKernel(
          hm.HandmadeConv2D,
          {
            x: tf.tensor(uniform(2 * 9 * 7 * 3, 4), [2, 9, 7, 3]),
            filter: tf.tensor(uniform(3 * 2 * 3 * 5, 5), [3, 2, 3, 5]),
          },
          attrs,
        ) as tf.Tensor,
      ],
    ],
    [
      'HandmadeConv2D 1x1',
      () => [
        tf.engine().runKernel(
          hm.HandmadeConv2D,
          {
            x: tf.tensor(uniform(2 * 5 * 5 * 6, 6), [2, 5, 5, 6]),
            filter: tf.tensor(uniform(6 * 9, 7), [1, 1, 6, 9]),
          },
          attrs,
        ) as tf.Tensor,
      ],
    ],
    // The bias is read (5 floats); x, the filter and y stay where they are.
    [
      'HandmadeFusedConv2D',
      () => [
        tf.engine().runKernel(
          hm.HandmadeFusedConv2D,
          {
            x: tf.tensor(uniform(2 * 9 * 7 * 3, 8), [2, 9, 7, 3]),
            filter: tf.tensor(uniform(3 * 3 * 3 * 5, 9), [3, 3, 3, 5]),
            bias: tf.tensor(uniform(5, 10), [5], 'float32'),
          },
          {...attrs, activation: 'elu'},
        ) as tf.Tensor,
      ],
    ],
    // The input gradient by taps (one input channel) and on the GEMM (col2im), and the filter
    // gradient by taps with dy read in place (8 channels), laid out in blocks (6), by rows of the
    // padded image (5 input channels) and on im2col chunks (dilated columns).
    [
      'HandmadeConv2DBackpropInput taps',
      () => [
        tf.engine().runKernel(
          hm.HandmadeConv2DBackpropInput,
          {
            dy: tf.tensor(uniform(2 * 9 * 11 * 8, 15), [2, 9, 11, 8]),
            filter: tf.tensor(uniform(5 * 5 * 8, 16), [5, 5, 1, 8]),
          },
          {...attrs, inputShape: [2, 9, 11, 1]},
        ) as tf.Tensor,
      ],
    ],
    [
      'HandmadeConv2DBackpropInput gemm',
      () => [
        tf.engine().runKernel(
          hm.HandmadeConv2DBackpropInput,
          {
            dy: tf.tensor(uniform(2 * 5 * 4 * 7, 17), [2, 5, 4, 7]),
            filter: tf.tensor(uniform(3 * 3 * 6 * 7, 18), [3, 3, 6, 7]),
          },
          {...attrs, strides: 2, inputShape: [2, 9, 7, 6]},
        ) as tf.Tensor,
      ],
    ],
    [
      'HandmadeConv2DBackpropFilter taps',
      () => [
        tf.engine().runKernel(
          hm.HandmadeConv2DBackpropFilter,
          {
            x: tf.tensor(uniform(2 * 9 * 11 * 2, 19), [2, 9, 11, 2]),
            dy: tf.tensor(uniform(2 * 9 * 11 * 8, 20), [2, 9, 11, 8]),
          },
          {...attrs, filterShape: [3, 3, 2, 8]},
        ) as tf.Tensor,
      ],
    ],
    [
      'HandmadeConv2DBackpropFilter taps blocked',
      () => [
        tf.engine().runKernel(
          hm.HandmadeConv2DBackpropFilter,
          {
            x: tf.tensor(uniform(2 * 9 * 11 * 1, 21), [2, 9, 11, 1]),
            dy: tf.tensor(uniform(2 * 9 * 11 * 6, 22), [2, 9, 11, 6]),
          },
          {...attrs, filterShape: [5, 5, 1, 6]},
        ) as tf.Tensor,
      ],
    ],
    [
      'HandmadeConv2DBackpropFilter rows',
      () => [
        tf.engine().runKernel(
          hm.HandmadeConv2DBackpropFilter,
          {
            x: tf.tensor(uniform(2 * 9 * 7 * 5, 23), [2, 9, 7, 5]),
            dy: tf.tensor(uniform(2 * 9 * 7 * 4, 24), [2, 9, 7, 4]),
          },
          {...attrs, filterShape: [3, 3, 5, 4]},
        ) as tf.Tensor,
      ],
    ],
    [
      'HandmadeConv2DBackpropFilter gemm',
      () => [
        tf.engine().runKernel(
          hm.HandmadeConv2DBackpropFilter,
          {
            x: tf.tensor(uniform(2 * 9 * 7 * 6, 25), [2, 9, 7, 6]),
            dy: tf.tensor(uniform(2 * 9 * 7 * 4, 26), [2, 9, 7, 4]),
          },
          {...attrs, dilations: [1, 2], filterShape: [3, 3, 6, 4]},
        ) as tf.Tensor,
      ],
    ],
    [
      'HandmadeMaxPool',
      () =>
        tf
          .engine()
          .runKernel(
            hm.HandmadeMaxPool,
            {x: tf.tensor(uniform(2 * 9 * 7 * 6, 11), [2, 9, 7, 6])},
            poolAttrs,
          ) as tf.Tensor[],
    ],
    [
      'HandmadeMaxPoolGrad',
      () => {
        const x = tf.tensor(uniform(2 * 9 * 7 * 6, 12), [2, 9, 7, 6]);
        const [y, argmax] = tf
          .engine()
          .runKernel(hm.HandmadeMaxPool, {x}, poolAttrs) as tf.Tensor[];
        return [
          tf
            .engine()
            .runKernel(
              hm.HandmadeMaxPoolGrad,
              {dy: tf.onesLike(y), argmax},
              {...poolAttrs, inputShape: x.shape},
            ) as tf.Tensor,
        ];
      },
    ],
  ];

  test.each(calls)(
    "%s reads back no tensor but a bias and equals the cpu backend's result",
    async (_, call) => {
      const backend = tf.backend() as unknown as {readSync(dataId: object): unknown};
      const readSync = jest.spyOn(backend, 'readSync');
      const read = () => readSync.mock.results.map((r) => (r.value as ArrayLike<number>).length);
      const runsBefore = hm.simdStats().runs;
      let outputs: tf.Tensor[];
      try {
        outputs = tf.tidy(() => call());
        expect(read()).toEqual(_ === 'HandmadeFusedConv2D' ? [5] : []);
      } finally {
        readSync.mockRestore();
      }
      const onWasm = outputs.map((t) => ({
        shape: t.shape,
        dtype: t.dtype,
        values: Array.from(t.dataSync()),
      }));
      tf.dispose(outputs);
      expect(hm.simdStats().runs).toBeGreaterThan(runsBefore);
      await tf.setBackend('cpu');
      const onCpu = tf.tidy(() =>
        call().map((t) => ({shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync())})),
      );
      await tf.setBackend('wasm');
      expect(onWasm.map((o) => [o.shape, o.dtype])).toEqual(onCpu.map((o) => [o.shape, o.dtype]));
      onWasm.forEach((o, i) =>
        o.values.forEach((v, j) =>
          expect(Math.abs(v - onCpu[i].values[j])).toBeLessThanOrEqual(
            1e-5 * (1 + Math.abs(onCpu[i].values[j])),
          ),
        ),
      );
    },
  );

  test("a call's scratch is freed: repeated calls leave tfjs-wasm's heap and its tensors as they were", () => {
    const memory = (tf.backend() as unknown as {wasm: {asm: {memory: WebAssembly.Memory}}}).wasm.asm
      .memory;
    const x = tf.tensor(uniform(4 * 28 * 28 * 8, 13), [4, 28, 28, 8]);
    const filter = tf.tensor(uniform(5 * 5 * 8 * 16, 14), [5, 5, 8, 16]);
    const dy = tf.tensor(uniform(4 * 28 * 28 * 16, 15), [4, 28, 28, 16]);
    const run = () =>
      tf.dispose([
        tf.engine().runKernel(hm.HandmadeConv2D, {x, filter}, attrs) as tf.Tensor,
        tf
          .engine()
          .runKernel(
            hm.HandmadeConv2DBackpropInput,
            {dy, filter},
            {...attrs, inputShape: x.shape},
          ) as tf.Tensor,
        tf
          .engine()
          .runKernel(
            hm.HandmadeConv2DBackpropFilter,
            {x, dy},
            {...attrs, filterShape: filter.shape},
          ) as tf.Tensor,
      ]);
    run();
    const bytes = memory.buffer.byteLength;
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) run();
    expect(memory.buffer.byteLength).toBe(bytes);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([x, filter, dy]);
  });
});
