// The fused convolution's two flat operands, the bias and the PReLU weights, and how they apply
// to its output y (of shape outShape, in its layout). One rule, which every kernel, the fused
// gradient and the harness take from here:
// - a 1-D operand of outC values is per channel, in either layout (tfjs's fused ops treat it so,
//   though by numpy's rules it would run along y's last axis, the width in NCHW);
// - any other operand broadcasts by numpy's rules: shapes aligned on the right, a size-1 axis
//   repeated. It must not change y's shape (rank at most 4, each axis 1 or y's).
// A scalar, or any size-1 operand, applies everywhere under both.

import type {DataFormat} from './names';

/** The output's channel axis in `dataFormat`. */
function channelAxis(dataFormat: DataFormat): number {
  return dataFormat === 'NHWC' ? 3 : 1;
}

function perChannel(shape: readonly number[], outShape: readonly number[], f: DataFormat): boolean {
  return shape.length === 1 && shape[0] === outShape[channelAxis(f)];
}

/** Whether an operand of `shape` applies, under the rule, to every output of `outChannels`
 *  channels whatever its other sizes and layout: a 1-D operand of outC values or of one. */
export function fitsAnyOutput(shape: readonly number[], outChannels: number): boolean {
  return shape.length === 1 && (shape[0] === outChannels || shape[0] === 1);
}

/** Whether an operand of `shape` applies to an output of `outShape` under the rule. */
export function operandFits(
  shape: readonly number[],
  outShape: readonly number[],
  dataFormat: DataFormat,
): boolean {
  if (perChannel(shape, outShape, dataFormat)) return true;
  const lead = outShape.length - shape.length;
  return (
    shape.length <= outShape.length && shape.every((s, i) => s === 1 || s === outShape[lead + i])
  );
}

/** Whether an operand's values are one per output channel, in channel order: its shape as y sees
 *  it (operandShape) is outC on the channel axis and 1 on every other. A 1-D operand of outC
 *  values is, and so in NHWC is [1, 1, outC] (the PReLU weights that tfjs-converter writes for
 *  MediaPipe's models), whose values lie in memory as the 1-D one's do. */
export function valuesPerChannel(
  shape: readonly number[],
  outShape: readonly number[],
  dataFormat: DataFormat,
): boolean {
  if (shape.length > outShape.length) return false;
  const axis = channelAxis(dataFormat);
  return operandShape(shape, outShape, dataFormat).every(
    (s, ax) => s === (ax === axis ? outShape[ax] : 1),
  );
}

/** The operand's shape as y's rank and layout see it: [1, outC, 1, 1] for a per-channel operand
 *  in NCHW, else its shape padded with leading 1s. Numpy's broadcasting of this shape against y
 *  is the rule. */
export function operandShape(
  shape: readonly number[],
  outShape: readonly number[],
  dataFormat: DataFormat,
): number[] {
  const padded = new Array<number>(outShape.length).fill(1);
  if (perChannel(shape, outShape, dataFormat)) {
    padded[channelAxis(dataFormat)] = shape[0];
    return padded;
  }
  shape.forEach((s, i) => (padded[outShape.length - shape.length + i] = s));
  return padded;
}

/** Per axis of y, the step in the flat operand for a step along that axis: 0 where the operand
 *  is broadcast. The operand's element for y's coordinates c is at Σ c[ax] * strides[ax]. */
export function operandStrides(
  shape: readonly number[],
  outShape: readonly number[],
  dataFormat: DataFormat,
): number[] {
  const full = operandShape(shape, outShape, dataFormat);
  const strides = new Array<number>(full.length).fill(0);
  for (let ax = full.length - 1, step = 1; ax >= 0; ax--) {
    strides[ax] = full[ax] === 1 ? 0 : step;
    step *= full[ax];
  }
  return strides;
}

/** The axes of y along which the operand is broadcast: those a gradient sums over. */
export function broadcastAxes(
  shape: readonly number[],
  outShape: readonly number[],
  dataFormat: DataFormat,
): number[] {
  const full = operandShape(shape, outShape, dataFormat);
  return full.flatMap((s, ax) => (s === 1 && outShape[ax] !== 1 ? [ax] : []));
}

/** The operand laid out to y's full shape (a size-1 operand stays as it is). */
export function broadcastOperand(
  values: Float32Array,
  shape: readonly number[],
  outShape: readonly number[],
  dataFormat: DataFormat,
): Float32Array {
  if (values.length === 1) return values;
  const [s0, s1, s2, s3] = operandStrides(shape, outShape, dataFormat);
  const [n0, n1, n2, n3] = outShape;
  const full = new Float32Array(n0 * n1 * n2 * n3);
  let i = 0;
  for (let c0 = 0; c0 < n0; c0++) {
    for (let c1 = 0; c1 < n1; c1++) {
      for (let c2 = 0; c2 < n2; c2++) {
        const base = c0 * s0 + c1 * s1 + c2 * s2;
        for (let c3 = 0; c3 < n3; c3++) full[i++] = values[base + c3 * s3];
      }
    }
  }
  return full;
}
