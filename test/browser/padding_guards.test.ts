// The webgl kernels with ±Infinity and NaN in each operand, and with pads far larger than the
// input, against the float64 reference in headless Chromium (the cases of the cpu suite's
// test/cpu/padding_guards.test.ts, and the fused kernel's, whose outputs that read no x are
// act(bias + 0) and must leave no texture behind). tfjs's own webgl Conv2D gives NaN where an
// infinite filter tap meets the padding; the reference, where a padded tap contributes nothing,
// decides.

import {
  LARGE_PAD_CONV_CASES,
  LARGE_PAD_FUSED_CASES,
  LARGE_PAD_POOL_CASES,
} from '../cases/large_pads';
import {specialValueCases} from '../cases/special_values';
import {worst} from '../helpers/report';
import {BrowserPage, openPage} from './harness';

const RTOL = 1e-4;

let page: BrowserPage;

beforeAll(async () => {
  page = await openPage({backend: 'webgl'});
  if (!page.info.renderFloat32) throw new Error('expected float32 textures');
}, 120000);

afterAll(async () => {
  await page?.close();
  worst.print();
});

describe('webgl kernels with ±Infinity and NaN in each operand vs reference', () => {
  test.each(specialValueCases().map((c) => [c.name, c] as const))('%s', async (_, c) => {
    worst.record('webgl special values', (await page.call('specialValuesCase', c, RTOL)).errors);
  });
});

describe('webgl kernels with pads far larger than the input vs reference', () => {
  test.each(LARGE_PAD_CONV_CASES.map((c) => [c.name, c] as const))('conv %s', async (_, c) => {
    worst.record('webgl large pads', (await page.call('convCase', c, RTOL)).errors);
  });
  test.each(LARGE_PAD_POOL_CASES.map((c) => [c.name, c] as const))('pool %s', async (_, c) => {
    worst.record('webgl large pads', (await page.call('poolCase', c, RTOL)).errors);
  });
  test.each(LARGE_PAD_FUSED_CASES.map((c) => [c.name, c] as const))('fused %s', async (_, c) => {
    worst.record('webgl large pads', (await page.call('largePadFusedCase', c, RTOL)).errors);
  });
});

// Measured before the live region, on SwiftShader: see the closing numbers of the cpu suite's
// test; the bound is loose for a slow shared machine (the first call of each kernel compiles
// its shaders, so the timings are of a second call).
test('a 1x1 input with pad 300: every kernel under its bound, values as known', async () => {
  await page.call('largePadTimings', 300);
  const times = await page.call('largePadTimings', 300);
  for (const [kernel, ms] of Object.entries(times)) {
    expect([kernel, ms < 1500]).toEqual([kernel, true]);
  }
});

test(
  'a 1x1 input with pad 300: the fused kernel with biases and PReLU weights over the output ' +
    'under the same bound, values as known',
  async () => {
    await page.call('largePadFusedTimings', 300);
    const times = await page.call('largePadFusedTimings', 300);
    for (const [form, ms] of Object.entries(times)) {
      expect([form, ms < 1500]).toEqual([form, true]);
    }
  },
);
