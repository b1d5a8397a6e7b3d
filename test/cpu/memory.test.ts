// The chunked im2col keeps the host kernels' temporary memory under a fixed bound whatever the
// input: on the ResNet layer [8,56,56,64] * [3,3,64,64] the whole im2col matrix would be
// 25088 x 576 floats (57.8 MB). The scalar kernels hold at most SCRATCH_LIMIT_BYTES (12 MiB) of
// scratch; the SIMD kernels none of it, and their module's memory is grown once, on its first
// call, to SIMD_MEMORY_BYTES and never again. Results are checked against the float64 reference
// on sampled elements.

import * as tf from '@tensorflow/tfjs-core';

import {COL_BUFFER_FLOATS} from '../../kernels/cpu/scratch';
import {convGeometry, layoutStrides, sizeOf} from '../../kernels/geometry';
import * as hm from '../../src/index';
import {describeHostPaths} from '../helpers/host_paths';
import {rng, uniform} from '../helpers/random';

beforeAll(() => tf.setBackend('cpu'));

describeHostPaths('host kernels', (path) => {
  test('[8,56,56,64] * [3,3,64,64] forward, dx and dW stay under the scratch bound', () => {
    const xShape = [8, 56, 56, 64];
    const filterShape = [3, 3, 64, 64];
    const attrs = {strides: 1, pad: 'same' as const, dataFormat: 'NHWC' as const, dilations: 1};
    const g = convGeometry(xShape, filterShape, attrs);
    const fullIm2colBytes = g.batchSize * g.outHeight * g.outWidth * 3 * 3 * 64 * 4;
    expect(fullIm2colBytes).toBeGreaterThan(4 * hm.SCRATCH_LIMIT_BYTES);

    const x = uniform(sizeOf(xShape), 1);
    const w = uniform(sizeOf(filterShape), 2);
    const dy = uniform(sizeOf(g.outShape), 3);
    hm.releaseScratch();
    const simdBefore = hm.simdStats();
    const before = tf.memory().numTensors;
    const [y, dx, dW] = tf.tidy(() => {
      const [xt, wt, dyt] = [
        tf.tensor(x, xShape),
        tf.tensor(w, filterShape),
        tf.tensor(dy, g.outShape),
      ];
      const run = (name: string, inputs: tf.NamedTensorMap, a: object) =>
        (
          tf.engine().runKernel(name, inputs, a as unknown as tf.NamedAttrMap) as tf.Tensor
        ).dataSync();
      return [
        run(hm.HandmadeConv2D, {x: xt, filter: wt}, attrs),
        run(hm.HandmadeConv2DBackpropInput, {dy: dyt, filter: wt}, {...attrs, inputShape: xShape}),
        run(hm.HandmadeConv2DBackpropFilter, {x: xt, dy: dyt}, {...attrs, filterShape}),
      ];
    });
    expect(tf.memory().numTensors).toBe(before);
    const {peakBytes} = hm.scratchStats();
    const simdAfter = hm.simdStats();
    if (path === 'scalar') {
      expect(simdAfter.runs).toBe(simdBefore.runs);
      // the chunk was used...
      expect(peakBytes).toBeGreaterThanOrEqual(COL_BUFFER_FLOATS * 4 * 0.9);
      expect(peakBytes).toBeLessThanOrEqual(hm.SCRATCH_LIMIT_BYTES); // ...and nothing more
    } else {
      expect(simdAfter.runs).toBe(simdBefore.runs + 3);
      expect(peakBytes).toBe(0);
      expect(simdAfter.memoryBytes).toBe(hm.SIMD_MEMORY_BYTES);
      expect(hm.SIMD_MEMORY_BYTES).toBeLessThanOrEqual(48 * 1024 * 1024);
    }

    // Sampled elements against the sums of the math in README.md, in float64.
    const xs = layoutStrides(56, 56, 64, 'NHWC');
    const xAt = (b: number, r: number, c: number, d: number) =>
      r < 0 || r >= 56 || c < 0 || c >= 56 ? 0 : x[b * xs.b + r * xs.r + c * xs.c + d];
    const next = rng(9);
    const pick = (n: number) => Math.floor(next() * n);
    for (let s = 0; s < 40; s++) {
      const [b, r, c, d2] = [pick(8), pick(56), pick(56), pick(64)];
      let sum = 0;
      for (let wR = 0; wR < 3; wR++) {
        for (let wC = 0; wC < 3; wC++) {
          for (let d1 = 0; d1 < 64; d1++)
            sum += xAt(b, r - 1 + wR, c - 1 + wC, d1) * w[((wR * 3 + wC) * 64 + d1) * 64 + d2];
        }
      }
      expect(Math.abs(y[b * xs.b + r * xs.r + c * xs.c + d2] - sum)).toBeLessThan(1e-4);
      // dx at the same cell (stride 1, pad 1): yR = xR + 1 - wR
      let dsum = 0;
      for (let wR = 0; wR < 3; wR++) {
        for (let wC = 0; wC < 3; wC++) {
          const [yR, yC] = [r + 1 - wR, c + 1 - wC];
          if (yR < 0 || yR >= 56 || yC < 0 || yC >= 56) continue;
          for (let k = 0; k < 64; k++)
            dsum +=
              dy[b * xs.b + yR * xs.r + yC * xs.c + k] * w[((wR * 3 + wC) * 64 + d2) * 64 + k];
        }
      }
      expect(Math.abs(dx[b * xs.b + r * xs.r + c * xs.c + d2] - dsum)).toBeLessThan(1e-4);
    }
    for (let s = 0; s < 4; s++) {
      const [wR, wC, d1, d2] = [pick(3), pick(3), pick(64), pick(64)];
      let sum = 0;
      for (let b = 0; b < 8; b++) {
        for (let r = 0; r < 56; r++) {
          for (let c = 0; c < 56; c++)
            sum += xAt(b, r - 1 + wR, c - 1 + wC, d1) * dy[b * xs.b + r * xs.r + c * xs.c + d2];
        }
      }
      expect(Math.abs(dW[((wR * 3 + wC) * 64 + d1) * 64 + d2] - sum)).toBeLessThan(2e-3);
    }
  });
});
