// valuesPerChannel (kernels/operands.ts): which operand shapes the fused kernels may read as one
// value per output channel, in their SIMD epilogue and webgl's per-channel finish.

import {operandFits, valuesPerChannel} from '../kernels/operands';

const NHWC_OUT = [2, 5, 7, 6];
const NCHW_OUT = [2, 6, 5, 7];

test.each([
  [[6], true],
  [[1, 6], true],
  [[1, 1, 6], true],
  [[1, 1, 1, 6], true],
  // Not one value per channel: a scalar, a row per column or per row, a full output, a rank
  // past the output's, a wrong channel count.
  [[1], false],
  [[], false],
  [[7, 6], false],
  [[5, 1, 6], false],
  [[1, 1, 1, 1, 6], false],
  [[2, 5, 7, 6], false],
  [[1, 1, 5], false],
])('NHWC, outShape [2,5,7,6]: %j per channel is %s', (shape, expected) => {
  expect(valuesPerChannel(shape, NHWC_OUT, 'NHWC')).toBe(expected);
});

test.each([
  // A 1-D operand of outC values is per channel in NCHW too (the rule of operands.ts); by
  // numpy's rules [1, 6, 1, 1] and [6, 1, 1] are, and [1, 1, 6] would run along the width.
  [[6], true],
  [[6, 1, 1], true],
  [[1, 6, 1, 1], true],
  [[1, 1, 6], false],
  [[1, 1, 1, 6], false],
])('NCHW, outShape [2,6,5,7]: %j per channel is %s', (shape, expected) => {
  expect(valuesPerChannel(shape, NCHW_OUT, 'NCHW')).toBe(expected);
});

test('with one output channel, a single value is per channel', () => {
  expect(valuesPerChannel([1], [1, 4, 4, 1], 'NHWC')).toBe(true);
  expect(valuesPerChannel([1, 1, 1], [1, 4, 4, 1], 'NHWC')).toBe(true);
});

test('every shape read per channel is one the rule accepts', () => {
  for (const shape of [[6], [1, 6], [1, 1, 6], [1, 1, 1, 6]]) {
    expect(operandFits(shape, NHWC_OUT, 'NHWC')).toBe(true);
  }
});
