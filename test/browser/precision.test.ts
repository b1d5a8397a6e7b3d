// The same case bodies in Chromium on two other configurations: tfjs's cpu backend running the
// handmade cpu kernels (the page's JavaScript engine, not node's), and the webgl backend with
// float16 textures forced, as on GPUs without float32 render targets. Each needs its own page:
// the texture format is fixed when the webgl backend is created.

import {poolGeometry, sizeOf} from '../../kernels/geometry';
import type {ConvAttrs} from '../../kernels/names';
import {maxPoolReference} from '../../kernels/reference/max_pool';
import {CONV_CASES, ConvCase, convCaseName, every, POOL_CASES, PoolCase} from '../cases/sweeps';
import {worst} from '../helpers/report';
import {BrowserPage, openPage} from './harness';

const CONV = every(CONV_CASES, 12);
const POOL = every(POOL_CASES, 6);

// The sweeps have at most 5 channels per group; these NHWC ones take webgl's packed-inputs conv
// program (8 or more input channels, an even count), which fetches float16 texels by position.
function packedConv(xShape: number[], filterShape: number[], a: Partial<ConvAttrs>): ConvCase {
  const attrs: ConvAttrs = {strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, ...a};
  return {
    name: convCaseName(xShape, filterShape, attrs, 1, String(attrs.pad)),
    xShape,
    filterShape,
    attrs,
    groups: 1,
    seed: 9700 + (xShape.reduce((p, q) => p * 7 + q, 0) % 211),
  };
}
const PACKED_CONV_F16: ConvCase[] = [
  packedConv([2, 6, 7, 8], [3, 3, 8, 5], {}),
  packedConv([1, 9, 8, 34], [3, 3, 34, 6], {strides: 2, pad: 1}),
  packedConv([1, 4, 6, 64], [1, 1, 64, 3], {}),
];

// Float16 textures in tfjs 4.22 read ±Infinity back as NaN (tfjs's own ops too: see the last
// test), so a window that lies wholly in the padding, -Infinity by the spec, cannot be checked
// there. The float16 run keeps the pool cases where every window holds a number.
function everyWindowHoldsANumber(c: PoolCase): boolean {
  const g = poolGeometry(c.xShape, c.attrs);
  return maxPoolReference(new Float32Array(sizeOf(c.xShape)), g).argmax.every((a) => a >= 0);
}
const POOL_F16 = POOL.filter(everyWindowHoldsANumber);

// float16 has an 11-bit significand: every stored input and output is off by up to 2^-11
// (4.9e-4) relative. Measured worst over these cases: 6.9e-4 (conv dx), 3.9e-4 (pool dx); the
// stated tolerance leaves room for sums over more terms.
const F16_RTOL = 5e-3;
const CPU_RTOL = 1e-5;

let cpu: BrowserPage;
let f16: BrowserPage;

beforeAll(async () => {
  cpu = await openPage({backend: 'cpu'});
  f16 = await openPage({backend: 'webgl', float16: true});
  if (f16.info.renderFloat32) throw new Error('WEBGL_FORCE_F16_TEXTURES did not take effect');
}, 120000);

afterAll(async () => {
  await cpu?.close();
  await f16?.close();
  worst.print();
});

describe(`in-browser cpu kernels vs reference (rtol ${CPU_RTOL})`, () => {
  test.each(CONV.map((c) => [c.name, c] as const))('conv %s', async (_, c) => {
    worst.record('browser cpu conv', (await cpu.call('convCase', c, CPU_RTOL)).errors);
  });
  test.each(POOL.map((c) => [c.name, c] as const))('pool %s', async (_, c) => {
    worst.record('browser cpu pool', (await cpu.call('poolCase', c, CPU_RTOL)).errors);
  });
});

describe(`webgl float16 textures vs reference (rtol ${F16_RTOL})`, () => {
  test.each(CONV.map((c) => [c.name, c] as const))('conv %s', async (_, c) => {
    worst.record('webgl f16 conv', (await f16.call('convCase', c, F16_RTOL)).errors);
  });
  test.each(PACKED_CONV_F16.map((c) => [c.name, c] as const))(
    'packed-inputs conv %s',
    async (_, c) => {
      worst.record('webgl f16 conv', (await f16.call('convCase', c, F16_RTOL)).errors);
    },
  );
  test.each(POOL_F16.map((c) => [c.name, c] as const))('pool %s', async (_, c) => {
    worst.record('webgl f16 pool', (await f16.call('poolCase', c, F16_RTOL)).errors);
  });
});

describe('±Infinity with float16 textures', () => {
  test("reads back as NaN, from tfjs's own ops and from an empty max-pool window alike", async () => {
    const f32 = await cpu.call('infinityRoundTrip');
    expect(f32).toEqual({neg: ['Infinity', '-Infinity'], emptyWindow: '-Infinity'});
    const half = await f16.call('infinityRoundTrip');
    expect(half).toEqual({neg: ['NaN', 'NaN'], emptyWindow: 'NaN'});
  });
});
