// What the sweeps do not show, in Chromium on the webgl backend: the program cache, memory, the
// public ops against tfjs's own webgl kernels, and one tie rule on every backend.

import {CONV_CASES, every, POOL_CASES} from '../cases/sweeps';
import {worst} from '../helpers/report';
import {BrowserPage, openPage} from './harness';

let page: BrowserPage;

beforeAll(async () => {
  page = await openPage({backend: 'webgl'});
}, 120000);

afterAll(async () => {
  await page?.close();
  worst.print();
});

describe('program cache: each kernel run twice gives the same bits', () => {
  test.each(every(CONV_CASES, 24).map((c) => [c.name, c] as const))('conv %s', async (_, c) => {
    await page.call('repeatConvCase', c);
  });
  test.each(every(POOL_CASES, 12).map((c) => [c.name, c] as const))('pool %s', async (_, c) => {
    await page.call('repeatPoolCase', c);
  });
});

test('no tensor or GPU byte outlives an op or a gradient', async () => {
  expect(await page.call('leakChecks')).toHaveLength(6);
});

test('inputs stored as packed textures give the same result as fresh uploads', async () => {
  expect(await page.call('packedInputsCase')).toBe(0);
});

test('the packed-input and column programs read from textures of any shape tfjs gives them', async () => {
  const r = await page.call('textureShapesCase');
  expect(r.predicted).toEqual(r.seen);
  // both loops ran: natural textures before, and now some of each kind
  expect(r.natural).toContain(false);
  expect(r.maxDiff).toBeLessThan(1e-5);
});

test('the 1x1 product as quarters of y runs, releases its textures and survives a compile-only warm-up', async () => {
  const r = await page.call('pointwiseBlocksCase');
  // one product pass for each of the 5 calls of the first shape, and for the run of the second
  // after its compile-only call (which draws nothing)
  expect(r.draws).toBe(6);
  expect(r.bytes[1]).toBe(r.bytes[0]);
  expect(r.maxDiff).toBeLessThan(1e-5);
  expect(r.compiledFirstDiff).toBeLessThan(1e-5);
});

// tfjs's own ops are defined for NHWC, groups 1; their gradients drop dilation and
// dimRoundingMode, and tf.maxPool takes no dataFormat or dilation.
const BUILTIN_RTOL = 1e-4;
const builtinConv = CONV_CASES.filter(
  (c) =>
    c.attrs.dataFormat === 'NHWC' &&
    c.groups === 1 &&
    String(c.attrs.dilations) === '1,1' &&
    c.attrs.dimRoundingMode == null,
).slice(0, 6);
const builtinPool = POOL_CASES.filter(
  (c) =>
    c.attrs.dataFormat === 'NHWC' &&
    String(c.attrs.dilations) === '1,1' &&
    c.attrs.dimRoundingMode == null,
).slice(0, 6);

describe(`public ops vs tfjs's webgl kernels (rtol ${BUILTIN_RTOL})`, () => {
  test.each(builtinConv.map((c) => [c.name, c] as const))('hm.conv2d %s', async (_, c) => {
    worst.record('vs tf webgl conv', (await page.call('builtinConvCase', c, BUILTIN_RTOL)).errors);
  });
  test.each(builtinPool.map((c) => [c.name, c] as const))('hm.maxPool %s', async (_, c) => {
    worst.record('vs tf webgl pool', (await page.call('builtinPoolCase', c, BUILTIN_RTOL)).errors);
  });
});

describe('max-pool gradients on ties (constant windows, ReLU zeros)', () => {
  const geometries: [string, [number, number], [number, number]][] = [
    ['2x2 stride 2', [2, 2], [2, 2]],
    ['3x3 stride 1 (overlapping)', [3, 3], [1, 1]],
  ];
  const on = async (
    backend: 'cpu' | 'webgl',
    which: 'handmade' | 'builtin',
    window: [number, number],
    strides: [number, number],
  ) => {
    await page.call('setBackend', backend);
    try {
      return await page.call('tieGradients', which, window, strides);
    } finally {
      await page.call('setBackend', 'webgl');
    }
  };

  test.each(geometries)(
    '%s: the handmade cpu and webgl kernels agree exactly, on the first maximum',
    async (_, window, strides) => {
      const cpu = await on('cpu', 'handmade', window, strides);
      const webgl = await on('webgl', 'handmade', window, strides);
      expect(webgl).toEqual(cpu);
      // tfjs's cpu MaxPoolGrad also takes the first maximum.
      expect(cpu).toEqual(await on('cpu', 'builtin', window, strides));
    },
  );

  test.each(geometries)(
    "%s: tfjs's own cpu (first max) and webgl (last max) disagree",
    async (_, window, strides) => {
      const cpu = await on('cpu', 'builtin', window, strides);
      const webgl = await on('webgl', 'builtin', window, strides);
      expect(webgl).not.toEqual(cpu);
      // Same total: each window routes its dy somewhere, just to different cells.
      const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
      expect(sum(webgl)).toBeCloseTo(sum(cpu), 3);
    },
  );
});
