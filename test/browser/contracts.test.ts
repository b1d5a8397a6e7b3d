// The kernels' contracts on the webgl backend in headless Chromium (test/cases/contracts.ts, run
// on cpu and wasm by test/ops/contracts.test.ts and test/wasm/contracts.test.ts): clear errors for
// kernel calls whose inputs contradict their attributes, tfjs's results on zero-sized axes, and
// tfjs's dtypes, shapes and values under installAsBuiltins.
//
// The expected results of the override come from tfjs's cpu kernels in the same page, because
// tfjs's webgl kernels are wrong in two places the handmade ones are not:
// - its MaxPool writes -1e20, not -Infinity, for a window wholly in the padding (pad 2 over a
//   3x2 window);
// - its FusedConv2D adds a bias of shape [W, outC] or [1, H, 1, 1] at the wrong positions.
// Forms the override hands back to tfjs's webgl kernel are compared with that kernel's result.

import {BrowserPage, openPage} from './harness';

let page: BrowserPage;

beforeAll(async () => {
  page = await openPage({backend: 'webgl'});
}, 120000);

afterAll(async () => {
  await page?.close();
});

test('every kernel, called directly, throws a clear error for inputs that contradict its attributes', async () => {
  const r = await page.call('kernelErrorCases');
  expect(r.problems).toEqual([]);
  expect(r.cases).toBeGreaterThan(40);
});

test("zero-sized axes: ops, gradients and kernels give tfjs's shapes and values", async () => {
  const r = await page.call('emptyAxisCases');
  expect(r.problems).toEqual([]);
  expect(r.cases).toBeGreaterThan(100);
});

test("under installAsBuiltins, tfjs's ops throw clear errors for a dy of the wrong shape", async () => {
  expect((await page.call('overrideErrorCases')).problems).toEqual([]);
});

test("under installAsBuiltins, every form of tfjs's six kernels keeps tfjs's dtype, shape and values", async () => {
  const r = await page.call('overrideContractCases', 1e-4, {
    oracle: 'cpu',
    // A FusedConv2D bias that widens the output goes to tfjs's webgl kernel, which gives y of
    // x's batch for a bias that broadcasts the batch, and fails to compile a rank-5 bias's
    // shader: under the override it must do exactly the same.
    handedBack: 'bias (batch-broadcasting|rank 5)',
  });
  expect(r.problems).toEqual([]);
  expect(r.skipped).toEqual([]);
  expect(r.cases).toBeGreaterThan(150);
});
