// The embedded WebAssembly module: it is what its AssemblyScript sources compile to, it validates
// in this engine (Node 20 has WebAssembly SIMD), its memory is grown once and then reused, the
// switch between host paths works, and calls that do not fit its regions run on the scalar
// kernels with the same results.

import * as tf from '@tensorflow/tfjs-core';
import {execFileSync} from 'child_process';
import * as path from 'path';

import {conv2dCpu} from '../../kernels/cpu/conv2d';
import {maxPoolCpu} from '../../kernels/cpu/max_pool';
import {convGeometry, poolGeometry, sizeOf} from '../../kernels/geometry';
import {IMAGE_FLOATS} from '../../kernels/simd/runtime';
import * as hm from '../../src/index';
import {uniform} from '../helpers/random';

const root = path.join(__dirname, '../..');

beforeAll(() => tf.setBackend('cpu'));
afterEach(() => hm.setHostPath('simd'));

test('kernels/simd/module.ts is what kernels/simd/assembly/ compiles to', () => {
  // Exits non-zero, naming the fix, when they differ.
  const out = execFileSync(
    process.execPath,
    [path.join(root, 'scripts/build_simd.mjs'), '--check'],
    {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']},
  );
  expect(out).toMatch(/matches its sources/);
}, 120000);

test('WebAssembly SIMD is detected, and the host path switches both ways', () => {
  expect(hm.simdSupported()).toBe(true);
  expect(hm.hostPath()).toBe('simd');
  hm.setHostPath('scalar');
  expect(hm.hostPath()).toBe('scalar');
  hm.setHostPath('simd');
  expect(hm.hostPath()).toBe('simd');
  expect(() => hm.setHostPath('fast' as never)).toThrow(/'simd' or 'scalar', got fast/);
});

test('TFJS_HANDMADE_HOST=scalar makes the scalar kernels the default', () => {
  const script =
    `const rt = require(${JSON.stringify(path.join(root, 'kernels/simd/runtime.ts'))});` +
    'console.log(rt.hostPath());';
  const run = (env: Record<string, string>) =>
    execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: {...process.env, ...env},
    }).trim();
  expect(run({TFJS_HANDMADE_HOST: 'scalar'})).toBe('scalar');
  expect(run({TFJS_HANDMADE_HOST: ''})).toBe('simd');
}, 60000);

test('the same kernels give the same results on both paths, and the module memory never grows', () => {
  const xShape = [2, 9, 11, 6];
  const g = convGeometry(xShape, [3, 3, 3, 4], {
    strides: 2,
    pad: 'same',
    dataFormat: 'NHWC',
    dilations: 1,
  });
  const x = uniform(sizeOf(xShape), 5);
  const w = uniform(sizeOf([3, 3, 3, 4]), 6);
  hm.setHostPath('scalar');
  const scalar = conv2dCpu(x, w, g);
  hm.setHostPath('simd');
  const first = conv2dCpu(x, w, g);
  const bytes = hm.simdStats().memoryBytes;
  expect(bytes).toBe(hm.SIMD_MEMORY_BYTES);
  for (let i = 0; i < 5; i++) expect(conv2dCpu(x, w, g)).toEqual(first);
  expect(hm.simdStats().memoryBytes).toBe(bytes);
  for (let i = 0; i < scalar.length; i++) {
    expect(Math.abs(first[i] - scalar[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(scalar[i])));
  }
});

test("an image past the module's image region runs on the scalar kernels, with the same values", () => {
  // One image of 2 Mi + 4 floats: too large for the region, so the SIMD functions decline.
  const xShape = [1, 1, IMAGE_FLOATS / 4 + 1, 4];
  const x = uniform(sizeOf(xShape), 7);
  const g = poolGeometry(xShape, {filterSize: [1, 2], strides: [1, 2], pad: 'valid'});
  const runs = hm.simdStats().runs;
  const simdPath = maxPoolCpu(x, g);
  expect(hm.simdStats().runs).toBe(runs); // declined
  hm.setHostPath('scalar');
  const scalar = maxPoolCpu(x, g);
  expect(simdPath.y).toEqual(scalar.y);
  expect(simdPath.argmax).toEqual(scalar.argmax);
});
