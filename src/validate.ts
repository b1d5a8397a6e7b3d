// Argument checks of the public ops. Each failure throws before any kernel runs, with a message
// that names the op, the argument and the shapes involved. The shape and attribute checks are
// the kernels' own (kernels/checks.ts), so an op and a kernel reached directly say the same.

import * as tf from '@tensorflow/tfjs-core';

import {checkConvShapes, checkPoolShapes, fail, fmt} from '../kernels/checks';
import type {ConvGeometry} from '../kernels/geometry';
import type {ConvAttrs, PoolAttrs} from '../kernels/names';
import {operandFits} from '../kernels/operands';

export {fail, show} from '../kernels/checks';

/** The dtype tfjs would give a nested array (or typed array) of values: 'string' when any leaf
 *  is a string, else that of the first leaf (numbers and booleans convert to float32, as tfjs's
 *  own ops convert them). */
function leafDtype(value: unknown): 'string' | 'number' | 'other' {
  let kind: 'string' | 'number' | 'other' = 'number';
  const visit = (v: unknown): void => {
    if (kind === 'string') return;
    if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (typeof v === 'string') {
      kind = 'string';
    } else if (typeof v !== 'number' && typeof v !== 'boolean' && !ArrayBuffer.isView(v)) {
      kind = 'other';
    }
  };
  visit(value);
  return kind;
}

export function asFloatTensor(op: string, name: string, value: unknown): tf.Tensor {
  if (value instanceof tf.Tensor) {
    if (value.dtype !== 'float32') {
      fail(
        op,
        `${name} must be a float32 tensor, got dtype ${value.dtype} (shape ${fmt(value.shape)})`,
        name,
      );
    }
    return value;
  }
  if (value == null) fail(op, `${name} is required, got ${String(value)}`, name);
  if (typeof value !== 'number' && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    fail(op, `${name} must be a Tensor or a nested array of numbers, got ${typeof value}`, name);
  }
  const kind = leafDtype(value);
  if (kind === 'string') {
    fail(
      op,
      `${name} must be float32, got values of dtype string (the kernels take float32 only)`,
      name,
    );
  }
  if (kind === 'other') {
    fail(
      op,
      `${name} must be a Tensor or a nested array of numbers, got an array holding ` +
        `other values`,
      name,
    );
  }
  return tf.tensor(value as tf.TensorLike, undefined, 'float32');
}

export function checkRank(op: string, name: string, t: tf.Tensor, ranks: number[]): void {
  if (!ranks.includes(t.rank)) {
    fail(
      op,
      `${name} must be rank ${ranks.join(' or ')}, got rank ${t.rank} (shape ${fmt(t.shape)})`,
      name,
    );
  }
}

/** Checks x (rank 4) and filter and returns the geometry they define. */
export function checkConv(
  op: string,
  x: tf.Tensor,
  filter: tf.Tensor,
  attrs: ConvAttrs,
): {attrs: ConvAttrs; geometry: ConvGeometry} {
  checkRank(op, 'filter', filter, [4]);
  return checkConvShapes(op, x.shape, filter.shape, attrs, true);
}

export function checkPool(
  op: string,
  x: tf.Tensor,
  attrs: PoolAttrs,
): {attrs: PoolAttrs; geometry: ConvGeometry} {
  return checkPoolShapes(op, x.shape, attrs, true);
}

/** A bias or PReLU operand of the op must be a scalar, a 1-D tensor of outC values, or (NHWC) a
 *  tensor that broadcasts to the output without changing its shape. */
export function checkOperand(op: string, name: string, t: tf.Tensor, g: ConvGeometry): void {
  if (t.size === 1 && t.rank <= 4) return;
  if (t.rank === 1 && t.shape[0] === g.outChannels) return;
  if (g.dataFormat !== 'NHWC' || !operandFits(t.shape, g.outShape, g.dataFormat)) {
    fail(
      op,
      `${name} of shape ${fmt(t.shape)} must be a scalar or hold one value per output ` +
        `channel (${g.outChannels})` +
        (g.dataFormat === 'NHWC' ? `, or broadcast to the output ${fmt(g.outShape)}` : ''),
      name,
    );
  }
}
