// The webgl kernels against the float64 reference in headless Chromium, on subsets of the
// sweeps the cpu suite runs in full, one jest test per geometry.

import type {ConvAttrs, PoolAttrs} from '../../kernels/names';
import {fusedCases} from '../cases/fused';
import {
  CONV_CASES,
  ConvCase,
  convCaseName,
  every,
  flatIndex,
  INFINITY_CONV_CASES,
  POOL_CASES,
  PoolCase,
  poolCaseName,
} from '../cases/sweeps';
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

// The fast paths of the webgl kernels and the edges of their dispatch conditions, which the
// sweeps (small images, at most 10 channels) do not all reach. The forward: packed x and W from 8
// input channels when that count is even, else the product over x laid out by filter column
// (tap lanes at one input channel, two reads per texel at unit stride), else (NCHW, groups of an
// odd number of output channels) the one-element program. The input gradient: a forward
// convolution at stride 1 from 8 (even) output channels, else col2im of one product, else (past
// the product's bound) a gather. The filter gradient: one product over the columns in parts of
// the batch, dy read as it is or copied.
function conv(xShape: number[], filterShape: number[], a: Partial<ConvAttrs>): ConvCase {
  const attrs: ConvAttrs = {strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, ...a};
  const inC = attrs.dataFormat === 'NHWC' ? xShape[3] : xShape[1];
  const groups = inC / filterShape[2];
  return {
    name: convCaseName(xShape, filterShape, attrs, groups, String(attrs.pad)),
    xShape,
    filterShape,
    attrs,
    groups,
    seed: 9000 + (xShape.reduce((p, q) => p * 7 + q, 0) % 997),
  };
}

const FAST_PATH_CONV_CASES: ConvCase[] = [
  conv([2, 6, 7, 8], [3, 3, 8, 5], {}), // packed inputs, at the threshold
  conv([1, 5, 6, 6], [3, 3, 6, 4], {strides: 2}), // below it: columns, channel lanes
  conv([2, 6, 7, 32], [3, 3, 32, 5], {}), // packed inputs
  conv([1, 5, 6, 30], [3, 3, 30, 4], {strides: 2}), // packed, stride 2
  conv([1, 5, 5, 33], [2, 2, 33, 3], {pad: 'valid'}), // odd inC: columns, a padded lane
  conv([1, 9, 8, 34], [3, 3, 34, 6], {strides: 2, pad: 1}), // packed, columns in two texels
  conv([1, 9, 9, 32], [3, 2, 32, 3], {dilations: 2}), // packed, dilated
  conv([1, 4, 6, 64], [1, 1, 64, 3], {}), // packed, 1x1
  conv([1, 8, 8, 32], [3, 3, 32, 4], {strides: 2}), // packed, stride 2, padLeft 0 (even)
  conv([1, 7, 9, 32], [2, 5, 32, 3], {strides: [1, 3], pad: 2}), // packed, 5 taps at stride 3
  conv([1, 6, 11, 36], [3, 4, 36, 2], {strides: 2, pad: 'valid'}), // packed, odd width, even taps
  conv([1, 129, 128, 32], [3, 3, 32, 4], {}), // packed, x's texture squarified
  conv([400, 7, 7, 32], [3, 3, 32, 2], {strides: 2}), // packed, x's texture [B, H*W*C]
  conv([1, 5, 7, 2], [3, 3, 2, 3], {}), // odd output width
  conv([2, 7, 5, 1], [5, 5, 1, 8], {strides: [1, 2]}), // one input channel: tap lanes
  conv([2, 7, 6, 1], [5, 5, 1, 8], {}), // tap lanes at unit stride
  conv([3, 6, 7, 1], [4, 3, 1, 4], {dilations: [1, 2], pad: 1}), // tap lanes, dilated columns
  conv([1, 6, 6, 3], [3, 3, 3, 4], {dilations: 2}), // three channels: a padded lane
  conv([1, 32, 5, 5], [3, 3, 32, 4], {dataFormat: 'NCHW'}), // NCHW
  conv([1, 5, 5, 32], [3, 3, 16, 4], {}), // groups 2 of 2 output channels
  conv([1, 5, 6, 6], [3, 3, 2, 3], {}), // groups of 1 output channel
  conv([1, 6, 5, 8], [3, 3, 4, 6], {strides: 2}), // groups 2 of 3 output channels
  conv([2, 6, 7, 3], [3, 3, 3, 8], {}), // dx as a forward conv, odd inC
  conv([1, 7, 7, 3], [3, 3, 3, 5], {strides: 2}), // dx col2im, odd inC and outC
  conv([1, 9, 9, 4], [3, 3, 4, 6], {dilations: 2}), // dx col2im, dilated
  conv([10, 6, 6, 8], [4, 4, 8, 32], {}), // dW in 4 parts of 3, 3, 3, 1
  conv([5, 128, 128, 8], [1, 1, 8, 8], {}), // dW: dy past the as-is bound
  conv([1, 104, 104, 64], [5, 5, 64, 2], {}), // dx past the product's bound
];

function pool(
  xShape: number[],
  a: Partial<PoolAttrs> & {filterSize: PoolAttrs['filterSize']},
): PoolCase {
  const attrs: PoolAttrs = {strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1, ...a};
  return {
    name: poolCaseName(xShape, attrs, String(attrs.pad)),
    xShape,
    attrs,
    seed: 9500 + (xShape.reduce((p, q) => p * 7 + q, 0) % 499),
  };
}

const FAST_PATH_POOL_CASES: PoolCase[] = [
  pool([2, 6, 6, 3], {filterSize: 2, strides: 2}), // tiling windows
  pool([1, 5, 7, 2], {filterSize: 2, strides: 2, pad: 'same'}), // tiling, padded at the end
  pool([1, 7, 7, 2], {filterSize: 3, strides: 3, pad: 1}), // tiling, padded at the start
  pool([1, 9, 9, 2], {filterSize: 3, strides: 2, pad: 'same'}), // overlapping: a range
  pool([1, 8, 8, 2], {filterSize: 2, strides: 3}), // gaps between windows
  pool([1, 6, 6, 2], {filterSize: 2, strides: 1, dilations: 2}), // dilated: every tap
  pool([1, 2, 6, 6], {filterSize: 2, strides: 2, dataFormat: 'NCHW'}),
];

// Packed inputs whose lanes past the edges hold NaN, not 0: odd channel counts (dy's lane past
// its last channel is read by dW as it is and by col2im's product), odd widths.
const DIRTY_PADDING_CASES: ConvCase[] = [
  conv([2, 6, 6, 3], [3, 3, 3, 5], {}), // dW reads dy as it is
  conv([1, 7, 7, 3], [3, 3, 3, 5], {strides: 2}), // dx col2im, K odd
  conv([1, 5, 5, 4], [3, 3, 4, 6], {}), // odd widths: dy copied
  conv([2, 7, 7, 1], [5, 5, 1, 8], {}), // columns with tap lanes
  conv([1, 5, 7, 9], [3, 3, 9, 8], {}), // forward columns, dx as conv
  conv([1, 6, 7, 8], [3, 3, 8, 3], {strides: 2}), // packed inputs, col2im
];

describe("webgl conv kernels ignore the lanes past packed inputs' edges", () => {
  test.each(DIRTY_PADDING_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const {maxDiff, padding} = await page.call('dirtyPaddingCase', c);
    expect(padding.length).toBeGreaterThan(0);
    expect(padding.every((v) => Number.isNaN(v))).toBe(true);
    expect(maxDiff).toBe(0);
  });
});

const DIRTY_PADDING_POOL_CASES: PoolCase[] = [
  pool([2, 6, 7, 3], {filterSize: 2, strides: 2, pad: 'same'}), // tiling
  pool([1, 7, 7, 5], {filterSize: 3, strides: 2, pad: 'same'}), // a range of windows
  pool([1, 7, 5, 3], {filterSize: 2, strides: 1, dilations: 2}), // dilated: every tap
];

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
});
