// Depthwise convolutions (one input channel per group: kernels/simd/assembly/depthwise.ts on the
// SIMD path, kernels/cpu/depthwise.ts on the scalar one) against the float64 reference: random
// geometries over channel multipliers 1-3, odd channel counts (operands spread into whole
// blocks of four) and whole blocks, 3x3, 5x5 and non-square filters, strides 1-3, dilations 1-3,
// 'same', 'valid', numeric and explicit asymmetric pads, batches 1-3; on both host paths on the
// cpu backend, in place on tfjs-wasm's heap, fused, and with infinities in x.

import '@tensorflow/tfjs-backend-wasm';
import '../../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {convGeometry} from '../../kernels/geometry';
import type {ConvAttrs, PadSpec} from '../../kernels/names';
import {OWN_MEMORY} from '../../kernels/simd/conv';
import {depthwisePlan, isDepthwise} from '../../kernels/simd/depthwise';
import {setHostPath, simdStats} from '../../kernels/simd/runtime';
import {wasmHeap} from '../../kernels/simd/wasm_heap';
import {convCase} from '../cases/bodies';
import {fusedCase, fusedCases} from '../cases/fused';
import {ConvCase, convCaseName} from '../cases/sweeps';
import {describeHostPaths} from '../helpers/host_paths';
import {rng} from '../helpers/random';

const CHANNELS = [1, 3, 5, 7, 13, 4, 8, 12, 32];
const FILTERS: [number, number][] = [
  [3, 3],
  [5, 5],
  [3, 3],
  [2, 3],
  [1, 1],
  [3, 1],
];

/** A pad of the case's kind: 'same', 'valid', a number, or explicit and asymmetric. */
function padOf(kind: number, next: () => number): {pad: PadSpec; label: string} {
  const r = () => Math.floor(next() * 4);
  switch (kind) {
    case 0:
      return {pad: 'same', label: 'same'};
    case 1:
      return {pad: 'valid', label: 'valid'};
    case 2: {
      const p = r();
      return {pad: p, label: String(p)};
    }
    default: {
      const [t, b, l, rt] = [r(), r(), r(), r()];
      return {
        pad: [
          [0, 0],
          [t, b],
          [l, rt],
          [0, 0],
        ],
        label: `explicit(t${t},b${b},l${l},r${rt})`,
      };
    }
  }
}

/** count random depthwise cases, every axis cycled so that each value occurs. */
function depthwiseCases(count: number, seed: number): ConvCase[] {
  const next = rng(seed);
  const pick = (n: number) => Math.floor(next() * n);
  const cases: ConvCase[] = [];
  for (let i = 0; cases.length < count; i++) {
    const c = CHANNELS[i % CHANNELS.length];
    // Each channel count meets each multiplier (and, at random, the filters).
    const m = 1 + ((i + Math.floor(i / CHANNELS.length)) % 3);
    const [fh, fw] = FILTERS[pick(FILTERS.length)];
    const strides: [number, number] = [1 + pick(2), 1 + pick(i % 5 === 0 ? 3 : 2)];
    const dilations: [number, number] = [1 + pick(3), 1 + pick(3)];
    // tfjs takes strides above 1 with dilations above 1 in neither op: one of the two is 1.
    if (strides[0] > 1 || strides[1] > 1) {
      if (i % 2 === 0) dilations.fill(1);
      else strides.fill(1);
    }
    const {pad, label} = padOf(i % 4, next);
    const xShape = [1 + (i % 3), 3 + pick(12), 3 + pick(14), c];
    const filterShape = [fh, fw, 1, c * m];
    const attrs: ConvAttrs = {strides, pad, dataFormat: 'NHWC', dilations};
    let g;
    try {
      g = convGeometry(xShape, filterShape, attrs);
    } catch {
      continue; // a geometry tfjs refuses
    }
    if (g.outHeight <= 0 || g.outWidth <= 0) continue;
    cases.push({
      name: convCaseName(xShape, filterShape, attrs, c, label),
      xShape,
      filterShape,
      attrs,
      groups: c,
      seed: seed + 10 * i,
    });
  }
  return cases;
}

const CASES = depthwiseCases(54, 7000);
/** The multi-channel cases (one channel is a plain convolution, not depthwise). */
const DEPTHWISE = CASES.filter((c) => c.xShape[3] > 1);

/** MobileNet-like shapes: whole blocks, 'same' pads, strides 1 and 2, one with M = 2. */
const MOBILE: ConvCase[] = [
  [[1, 17, 16, 32], [3, 3, 1, 32], 1],
  [[2, 14, 15, 24], [3, 3, 1, 24], 2],
  [[1, 9, 9, 40], [5, 5, 1, 40], 2],
  [[1, 8, 8, 16], [3, 3, 1, 32], 1],
].map(([xShape, filterShape, s], i) => {
  const attrs: ConvAttrs = {
    strides: [s, s] as [number, number],
    pad: 'same',
    dataFormat: 'NHWC',
    dilations: [1, 1],
  };
  const x = xShape as number[];
  const f = filterShape as number[];
  return {
    name: convCaseName(x, f, attrs, x[3], 'same'),
    xShape: x,
    filterShape: f,
    attrs,
    groups: x[3],
    seed: 9000 + 10 * i,
  };
});

/** NCHW: converted to NHWC around the same kernels. */
const NCHW: ConvCase[] = [
  [[2, 12, 9, 10], [3, 3, 1, 12], 1, 1],
  [[1, 5, 11, 8], [5, 5, 1, 10], 2, 1],
  [[1, 16, 7, 7], [3, 3, 1, 32], 1, 2],
].map(([xShape, filterShape, s, d], i) => {
  const attrs: ConvAttrs = {
    strides: [s, s] as [number, number],
    pad: 'same',
    dataFormat: 'NCHW',
    dilations: [d, d] as [number, number],
  };
  const x = xShape as number[];
  const f = filterShape as number[];
  return {
    name: convCaseName(x, f, attrs, x[1], 'same'),
    xShape: x,
    filterShape: f,
    attrs,
    groups: x[1],
    seed: 9500 + 10 * i,
  };
});

test('the cases cover the axes, and each is depthwise within the module regions', () => {
  const geometries = DEPTHWISE.map((c) => convGeometry(c.xShape, c.filterShape, c.attrs));
  expect(DEPTHWISE.length).toBeGreaterThanOrEqual(45);
  for (const g of geometries) {
    expect(isDepthwise(g)).toBe(true);
    expect(depthwisePlan(g, OWN_MEMORY)).not.toBeNull();
  }
  const seen = (f: (g: (typeof geometries)[0]) => number) => new Set(geometries.map(f));
  expect(seen((g) => g.outChannelsPerGroup)).toEqual(new Set([1, 2, 3]));
  expect(seen((g) => g.strideWidth).has(2)).toBe(true);
  expect(seen((g) => g.dilationHeight).has(3)).toBe(true);
  expect(seen((g) => g.batchSize)).toEqual(new Set([1, 2, 3]));
  expect(seen((g) => g.filterHeight).has(5)).toBe(true);
});

describeHostPaths('depthwise conv vs reference (rtol 1e-5)', (path) => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  test.each([...CASES, ...MOBILE, ...NCHW].map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const before = simdStats().runs;
    await convCase(c, 1e-5);
    // The SIMD path takes every call (all three kernels), the scalar one none.
    expect(simdStats().runs - before).toBe(path === 'simd' ? 3 : 0);
  });

  test('fused: bias and every activation', async () => {
    for (const c of fusedCases([...DEPTHWISE.slice(0, 16), ...MOBILE])) await fusedCase(c, 1e-5);
  });

  test('infinities in x keep their meaning (no padded tap is read)', async () => {
    for (const c of [...DEPTHWISE.slice(0, 6), MOBILE[0]]) {
      const n = c.xShape.reduce((a, b) => a * b);
      await convCase(c, 1e-5, [0, Math.floor(n / 2), n - 1]);
    }
  });
});

describe('depthwise conv in place on the wasm backend (rtol 1e-5)', () => {
  beforeAll(async () => {
    setHostPath('simd');
    expect(await tf.setBackend('wasm')).toBe(true);
    await tf.ready();
    expect(wasmHeap(tf.backend())).not.toBeNull();
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  test.each([...DEPTHWISE, ...MOBILE, ...NCHW].map((c) => [c.name, c] as const))(
    '%s',
    async (_, c) => {
      const before = simdStats().runs;
      await convCase(c, 1e-5);
      expect(simdStats().runs - before).toBe(3);
    },
  );

  test('fused: bias and every activation', async () => {
    for (const c of fusedCases([...DEPTHWISE.slice(16, 32), ...MOBILE])) await fusedCase(c, 1e-5);
  });
});
