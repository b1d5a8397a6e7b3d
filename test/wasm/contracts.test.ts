// The kernels' contracts on tfjs's wasm backend (test/cases/contracts.ts): clear errors for kernel
// calls whose inputs contradict their attributes, tfjs's results on zero-sized axes, and tfjs's
// dtypes, shapes and values under installAsBuiltins.
//
// The expected results of the override come from tfjs's cpu kernels, not its wasm ones: tfjs-wasm
// 4.22's Conv2D with a numeric pad and a filter of even width (x [2,7,6,3], filter [3,2,3,4],
// pad 1) writes outside its output and leaves its heap corrupt, so every later tfjs-wasm call
// throws 'memory access out of bounds'. tfjs-wasm has no Conv2DBackpropFilter either, so its
// gradients could not be an oracle. Where tfjs-wasm rejects a form (an int32 MaxPool; a
// FusedConv2D bias of rank above 1 that broadcasts the output's batch or rank), the override hands
// it back to tfjs-wasm's kernel and must throw what that kernel throws.

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

import * as tf from '@tensorflow/tfjs-core';

import * as hm from '../../src/index';
import {
  emptyAxisCases,
  kernelErrorCases,
  overrideContractCases,
  overrideErrorCases,
} from '../cases/contracts';

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});
afterEach(() => hm.uninstallBuiltins());

test('every kernel, called directly, throws a clear error for inputs that contradict its attributes', async () => {
  const r = await kernelErrorCases();
  expect(r.problems).toEqual([]);
  expect(r.cases).toBeGreaterThan(40);
});

test("zero-sized axes: ops, gradients and kernels give tfjs's shapes and values", async () => {
  const r = await emptyAxisCases();
  expect(r.problems).toEqual([]);
  expect(r.cases).toBeGreaterThan(100);
});

test("under installAsBuiltins, tfjs's ops throw clear errors for a dy of the wrong shape", async () => {
  expect((await overrideErrorCases()).problems).toEqual([]);
});

test("under installAsBuiltins, every form of tfjs's six kernels keeps tfjs's dtype, shape and values", async () => {
  const r = await overrideContractCases(1e-4, {
    oracle: 'cpu',
    // An int32 MaxPool, and a FusedConv2D bias that widens the output: tfjs-wasm's kernels take
    // neither (float32 only; rank-1 biases only), so they must throw what those throw.
    handedBack: '^maxPool int32|bias (batch-broadcasting|rank 5)',
  });
  expect(r.problems).toEqual([]);
  expect(r.skipped).toEqual([]);
  expect(r.cases).toBeGreaterThan(150);
  expect(tf.getBackend()).toBe('wasm');
});
