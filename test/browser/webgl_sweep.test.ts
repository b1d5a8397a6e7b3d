// The webgl kernels against the float64 reference in headless Chromium, on subsets of the
// sweeps the cpu suite runs in full, one jest test per geometry.

import {fusedCases} from '../cases/fused';
import {CONV_CASES, every, flatIndex, INFINITY_CONV_CASES, POOL_CASES} from '../cases/sweeps';
import {
  BLOCKS_FUSED_CASES,
  DEPTHWISE_CASES,
  DEPTHWISE_DIRTY_PADDING_CASES,
  DIRTY_PADDING_CASES,
  DIRTY_PADDING_POOL_CASES,
  FAST_PATH_CONV_CASES,
  FAST_PATH_POOL_CASES,
} from '../cases/webgl_paths';
import {worst} from '../helpers/report';
import {BrowserPage, openPage} from './harness';

const RTOL = 1e-4;
// The whole conv and pool sweeps (about 90 s under SwiftShader on 2 cores: the samplers bake
// each shape in, so each geometry compiles its own shaders), and every other geometry fused.
const WEBGL_CONV_CASES = every(CONV_CASES, 1);
const WEBGL_POOL_CASES = every(POOL_CASES, 1);
const WEBGL_FUSED_CASES = fusedCases(every(CONV_CASES, 2));

let page: BrowserPage;

beforeAll(async () => {
  page = await openPage({backend: 'webgl'});
  if (!page.info.renderFloat32) throw new Error('expected float32 textures');
}, 120000);

afterAll(async () => {
  await page?.close();
  worst.print();
});

describe(`webgl conv kernels vs reference (rtol ${RTOL})`, () => {
  test.each(WEBGL_CONV_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('webgl conv', (await page.call('convCase', c, RTOL)).errors);
  });
});

describe(`webgl fused conv vs reference (rtol ${RTOL})`, () => {
  test.each(WEBGL_FUSED_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('webgl fused', (await page.call('fusedCase', c, RTOL)).errors);
  });
});

describe(`webgl conv kernels with ±Infinity in x vs reference (rtol ${RTOL})`, () => {
  test.each(INFINITY_CONV_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const cells = c.cells.map((cell) => flatIndex(cell, c.xShape));
    worst.record('webgl conv infinity', (await page.call('convCase', c, RTOL, cells)).errors);
  });
});

describe(`webgl max-pool kernels vs reference (rtol ${RTOL})`, () => {
  test.each(WEBGL_POOL_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('webgl pool', (await page.call('poolCase', c, RTOL)).errors);
  });

  test('NaN, ±Infinity and all-NaN windows as on cpu', async () => {
    worst.record('webgl pool special', (await page.call('specialValuesPoolCase', RTOL)).errors);
  });
});

describe("webgl conv kernels ignore the lanes past packed inputs' edges", () => {
  test.each(DIRTY_PADDING_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const {maxDiff, padding} = await page.call('dirtyPaddingCase', c);
    expect(padding.length).toBeGreaterThan(0);
    expect(padding.every((v) => Number.isNaN(v))).toBe(true);
    expect(maxDiff).toBe(0);
  });
});

describe("webgl max-pool kernels ignore the lanes past packed inputs' edges", () => {
  test.each(DIRTY_PADDING_POOL_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const {maxDiff, padding} = await page.call('dirtyPaddingPoolCase', c);
    expect(padding.length).toBeGreaterThan(0);
    expect(padding.every((v) => Number.isNaN(v))).toBe(true);
    expect(maxDiff).toBe(0);
  });
});

describe(`webgl fast paths and their dispatch edges vs reference (rtol ${RTOL})`, () => {
  test.each(FAST_PATH_CONV_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('webgl conv', (await page.call('convCase', c, RTOL)).errors);
  });
  test.each(FAST_PATH_POOL_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('webgl pool', (await page.call('poolCase', c, RTOL)).errors);
  });
  test.each(BLOCKS_FUSED_CASES.map((c) => [c.name, c] as const))('fused %s', async (_, c) => {
    worst.record('webgl fused', (await page.call('fusedCase', c, RTOL)).errors);
  });
});

describe(`webgl depthwise programs vs reference (rtol ${RTOL})`, () => {
  test.each(DEPTHWISE_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('webgl depthwise', (await page.call('convCase', c, RTOL)).errors);
  });
  test.each(fusedCases(DEPTHWISE_CASES).map((c) => [c.name, c] as const))(
    'fused %s',
    async (_, c) => {
      worst.record('webgl depthwise fused', (await page.call('fusedCase', c, RTOL)).errors);
    },
  );
  test.each(DEPTHWISE_CASES.slice(0, 4).map((c) => [c.name, c] as const))(
    '±Infinity in x: %s',
    async (_, c) => {
      // the corners and the middle of the first image, in its first and last channels
      const [, h, w, ch] = c.xShape;
      const cells = [0, h - 1].flatMap((r) => [0, w - 1].map((col) => [0, r, col, (r + col) % ch]));
      cells.push([0, h >> 1, w >> 1, ch - 1]);
      const flat = cells.map((cell) => flatIndex(cell, c.xShape));
      worst.record('webgl depthwise infinity', (await page.call('convCase', c, RTOL, flat)).errors);
    },
  );
  test.each(DEPTHWISE_DIRTY_PADDING_CASES.map((c) => [c.name, c] as const))(
    "ignores the lanes past packed inputs' edges: %s",
    async (_, c) => {
      const {maxDiff, padding} = await page.call('dirtyPaddingCase', c);
      expect(padding.length).toBeGreaterThan(0);
      expect(padding.every((v) => Number.isNaN(v))).toBe(true);
      expect(maxDiff).toBe(0);
    },
  );
});
