// The fused convolution on the wasm backend: against the reference over the sweep's geometries
// (every activation and kind of bias), and its epilogue in the SIMD module (per-channel operands,
// NHWC, the activations without an exponential), on tfjs-wasm's heap and in the module's own
// memory on the cpu backend, bit for bit against the TypeScript epilogue of the scalar path, on
// values made to break it: NaN, ±0, ±Infinity, 6 and its neighbours.

import '@tensorflow/tfjs-backend-wasm';

import * as tf from '@tensorflow/tfjs-core';

import {ConvAttrs} from '../../kernels/names';
import * as hm from '../../src/index';
import {FusedCase, fusedCase, fusedCases} from '../cases/fused';
import {CONV_CASES, every} from '../cases/sweeps';

const CASES = fusedCases(every(CONV_CASES, 7));

/** Geometries where the module applies the epilogue as its products store y (gemm.ts storeTile)
 *  over more than one slice of k (KC = 512 rows: only the last slice may finish), in tiles cut
 *  short by the rows or the channels, and in groups (each group's bias from its first channel). */
const STORE_GEOMETRIES: [string, number[], number[], Partial<ConvAttrs>][] = [
  ['1x1, k of 1100 in three slices, 13 channels', [1, 5, 7, 1100], [1, 1, 1100, 13], {}],
  ['1x1, k of 40, 17 channels, batch 2', [2, 3, 5, 40], [1, 1, 40, 17], {}],
  // m of one or two past a multiple of four: the last rows by rowTile, one at a time.
  ['1x1 of a single cell (a squeeze-and-excitation block)', [1, 1, 1, 96], [1, 1, 96, 24], {}],
  [
    '1x1 of a 3x3 map, k of 600 in two slices, a last row alone',
    [1, 3, 3, 600],
    [1, 1, 600, 20],
    {},
  ],
  ['1x1 of 10 cells, two rows left, an odd k, 11 channels', [1, 2, 5, 33], [1, 1, 33, 11], {}],
  ['3x3 by taps, rows of 540 floats (each past a slice)', [1, 6, 5, 180], [3, 3, 180, 12], {}],
  ['3x3 by taps, two rows a slice then one', [2, 7, 6, 64], [3, 3, 64, 9], {strides: 2}],
  ['3x3 by taps, dilated (a table of 576)', [1, 9, 9, 64], [3, 3, 64, 16], {dilations: 2}],
  ['groups of 1x1', [1, 5, 5, 24], [1, 1, 12, 10], {}],
  ['groups of 3x3 on im2col', [1, 7, 6, 30], [3, 3, 10, 15], {pad: 'valid', strides: 2}],
];
const STORE_CASES: FusedCase[] = STORE_GEOMETRIES.flatMap(([name, xShape, filterShape, a], i) =>
  (['linear', 'relu', 'relu6', 'leakyrelu', 'prelu'] as const).map((activation, j) => ({
    name: `${name}, ${activation}`,
    xShape,
    filterShape,
    attrs: {strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, ...a} as ConvAttrs,
    groups: xShape[3] / filterShape[2],
    seed: 100 + 10 * i + j,
    activation,
    leakyreluAlpha: 0.15,
    biasShape: [filterShape[3]],
    preluShape: activation === 'prelu' ? [filterShape[3]] : null,
  })),
);

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('wasm fused conv vs reference (rtol 1e-5)', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await fusedCase(c, 1e-5);
  });
});

describe('the epilogue in the stores of the SIMD products, vs reference (rtol 1e-5)', () => {
  test.each(STORE_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const runs = hm.simdStats().runs;
      await fusedCase(c, 1e-5);
      // On the module, not handed to the scalar kernels.
      expect(hm.simdStats().runs).toBe(runs + 1);
    }
    await tf.setBackend('wasm');
  });
});

describe.each([
  // The GEMM's stores: a whole tile of eight channels and a tail of two; 13 cells, three whole
  // tiles of four and one short.
  ['a 1x1 identity product, 10 channels', 10, false, 1],
  // The depthwise gather's pass over each row once made, in place (blocks of 16 channels, then
  // of 4) and on operands spread to 24 channels (a tail of two channels, one float at a time).
  ['a 1x1 identity depthwise convolution, 20 channels', 20, true, 1],
  ['a 1x1 identity depthwise convolution, 22 channels', 22, true, 1],
  // Operands of shape [1, 1, C] (the PReLU weights of MediaPipe's converted models) and
  // [1, 1, 1, C]: one value per channel all the same, so in the module too.
  ['a 1x1 identity product, 10 channels, operands [1, 1, 10]', 10, false, 3],
  ['a 1x1 identity depthwise convolution, 20 channels, operands [1, 1, 1, 20]', 20, true, 4],
])('the SIMD epilogue equals the TypeScript one bit for bit: %s', (_, c, depthwise, rank) => {
  const operandShape = [...new Array<number>(rank - 1).fill(1), c];
  // y before the epilogue is x itself, each special value meeting each special bias.
  const special = [
    NaN,
    0,
    -0,
    Infinity,
    -Infinity,
    6,
    Math.fround(6 + 4.8e-7),
    Math.fround(6 - 4.8e-7),
    -1e-45,
    1e-45,
    -2.5,
    3.25,
    -3.4e38,
  ];
  const cells = special.length;
  const x = new Float32Array(cells * c);
  for (let i = 0; i < x.length; i++) x[i] = special[i % special.length];
  const eye = depthwise ? new Float32Array(c).fill(1) : new Float32Array(c * c);
  if (!depthwise) for (let i = 0; i < c; i++) eye[i * c + i] = 1;
  const cyclic = (values: number[]) =>
    Float32Array.from({length: c}, (__, i) => values[(7 * i) % 10]);
  const bias = cyclic([0, -0, NaN, 1.5, -6, 3, Infinity, -Infinity, 6, -0.5]);
  const prelu = cyclic([0.5, -2, 0, NaN, 1, -0, Infinity, -1, 3, 0.25]);
  const run = (activation: hm.Activation, withBias: boolean) =>
    tf.tidy(() => {
      const inputs: tf.NamedTensorMap = {
        x: tf.tensor(x, [1, 1, cells, c]),
        filter: tf.tensor(eye, [1, 1, depthwise ? 1 : c, c]),
      };
      if (withBias) inputs.bias = tf.tensor(bias, operandShape);
      if (activation === 'prelu') {
        inputs.preluActivationWeights = tf.tensor(prelu, operandShape);
      }
      const y = tf.engine().runKernel(hm.HandmadeFusedConv2D, inputs, {
        strides: 1,
        pad: 'valid',
        dataFormat: 'NHWC',
        dilations: 1,
        activation,
        leakyreluAlpha: 0.3,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return Array.from(y.dataSync());
    });

  test.each(
    ['linear', 'relu', 'relu6', 'leakyrelu', 'prelu'].flatMap((a) => [
      [a, true],
      [a, false],
    ]),
  )('%s, bias %s', async (activation, withBias) => {
    const backend = tf.backend() as unknown as {readSync(dataId: object): unknown};
    const readSync = jest.spyOn(backend, 'readSync');
    let onWasm: number[];
    try {
      onWasm = run(activation as hm.Activation, withBias as boolean);
      // Nothing read back but y itself: the operands stayed on the heap.
      expect(readSync.mock.calls.length).toBe(1);
    } finally {
      readSync.mockRestore();
    }
    // The TypeScript epilogue runs on the cpu backend's scalar path; its SIMD path runs the
    // module's epilogue in the module's own memory, which must agree too.
    await tf.setBackend('cpu');
    hm.setHostPath('scalar');
    let inTypeScript: number[];
    try {
      inTypeScript = run(activation as hm.Activation, withBias as boolean);
    } finally {
      hm.setHostPath('simd');
    }
    const onCpuSimd = run(activation as hm.Activation, withBias as boolean);
    await tf.setBackend('wasm');
    inTypeScript.forEach((v, i) => {
      if (!Object.is(onWasm[i], v)) throw new Error(`element ${i}: wasm ${onWasm[i]}, TS ${v}`);
      if (!Object.is(onCpuSimd[i], v)) {
        throw new Error(`element ${i}: cpu SIMD ${onCpuSimd[i]}, TS ${v}`);
      }
    });
  });
});
