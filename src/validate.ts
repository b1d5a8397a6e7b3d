// Argument checks of the public ops. Each failure throws before any kernel runs, with a message
// that names the op, the argument and the shapes involved.

import * as tf from '@tensorflow/tfjs-core';
import {convGeometry, ConvGeometry, pair, poolGeometry} from '../kernels/geometry';
import type {ConvAttrs, DataFormat, Pair, PadSpec, PoolAttrs, RoundingMode} from '../kernels/names';

export function fail(op: string, message: string): never {
  throw new Error(`${op}: ${message}`);
}

const fmt = (shape: readonly number[]) => `[${shape.join(',')}]`;

export function asFloatTensor(op: string, name: string, value: unknown): tf.Tensor {
  if (value instanceof tf.Tensor) {
    if (value.dtype !== 'float32') {
      fail(op, `${name} must be a float32 tensor, got dtype ${value.dtype} (shape ${fmt(value.shape)})`);
    }
    return value;
  }
  if (value == null) fail(op, `${name} is required, got ${String(value)}`);
  if (typeof value !== 'number' && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    fail(op, `${name} must be a Tensor or a nested array of numbers, got ${typeof value}`);
  }
  return tf.tensor(value as tf.TensorLike, undefined, 'float32');
}

export function checkRank(op: string, name: string, t: tf.Tensor, ranks: number[]): void {
  if (!ranks.includes(t.rank)) {
    fail(op, `${name} must be rank ${ranks.join(' or ')}, got rank ${t.rank} (shape ${fmt(t.shape)})`);
  }
}

function checkPositiveInts(op: string, name: string, v: unknown): Pair {
  const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (typeof v === 'number' ? ok(v) :
      Array.isArray(v) && v.length === 2 && v.every(ok)) {
    return pair(v as number | Pair);
  }
  return fail(op, `${name} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
}

function checkDataFormat(op: string, dataFormat: unknown): DataFormat {
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') {
    fail(op, `dataFormat must be 'NHWC' or 'NCHW', got ${JSON.stringify(dataFormat)}`);
  }
  return dataFormat;
}

function checkPad(op: string, pad: unknown, dataFormat: DataFormat,
                  dimRoundingMode: unknown): PadSpec {
  if (dimRoundingMode != null && !['floor', 'round', 'ceil'].includes(dimRoundingMode as string)) {
    fail(op, `dimRoundingMode must be 'floor', 'round' or 'ceil', got ${JSON.stringify(dimRoundingMode)}`);
  }
  if (pad === 'same' || pad === 'valid') {
    if (dimRoundingMode != null) {
      fail(op, `pad must be a number or explicit padding when dimRoundingMode is given, got ` +
               `pad '${pad}' with dimRoundingMode '${String(dimRoundingMode)}'`);
    }
    return pad;
  }
  if (typeof pad === 'string') {
    fail(op, `pad must be 'same', 'valid', a non-negative integer or explicit padding, got '${pad}'`);
  }
  if (typeof pad === 'number') {
    if (!Number.isInteger(pad) || pad < 0) fail(op, `pad must be a non-negative integer, got ${pad}`);
    return pad;
  }
  const layout = dataFormat === 'NHWC' ? '[[0,0],[top,bottom],[left,right],[0,0]]' :
                                         '[[0,0],[0,0],[top,bottom],[left,right]]';
  const isPair = (p: unknown) => Array.isArray(p) && p.length === 2 &&
      p.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0);
  if (!Array.isArray(pad) || pad.length !== 4 || !pad.every(isPair)) {
    fail(op, `explicit pad must be ${layout} of non-negative integers, got ${JSON.stringify(pad)}`);
  }
  const [batchAxis, channelAxis] = dataFormat === 'NHWC' ? [0, 3] : [0, 1];
  for (const ax of [batchAxis, channelAxis]) {
    if (pad[ax][0] !== 0 || pad[ax][1] !== 0) {
      fail(op, `explicit pad must not pad the batch or channel axis: expected ${layout}, got ` +
               JSON.stringify(pad));
    }
  }
  return pad as PadSpec;
}

function checkOutput(op: string, g: ConvGeometry, what: string): void {
  if (!(g.outHeight > 0 && g.outWidth > 0)) {
    fail(op, `the ${what} (effective ${g.effectiveFilterHeight}x${g.effectiveFilterWidth}) is ` +
             `larger than the padded input ${fmt(g.inShape)} (padding top ${g.padInfo.top}, ` +
             `bottom ${g.padInfo.bottom}, left ${g.padInfo.left}, right ${g.padInfo.right}): ` +
             `the output would be ${g.outHeight}x${g.outWidth}`);
  }
}

/** Checks x (rank 4) and filter and returns the geometry they define. */
export function checkConv(op: string, x: tf.Tensor, filter: tf.Tensor,
                          attrs: ConvAttrs): {attrs: ConvAttrs; geometry: ConvGeometry} {
  checkRank(op, 'filter', filter, [4]);
  const dataFormat = checkDataFormat(op, attrs.dataFormat);
  const strides = checkPositiveInts(op, 'strides', attrs.strides);
  const dilations = checkPositiveInts(op, 'dilations', attrs.dilations);
  if ((strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1)) {
    fail(op, `strides and dilations cannot both be greater than 1, got strides ` +
             `${fmt(strides)} and dilations ${fmt(dilations)}`);
  }
  const pad = checkPad(op, attrs.pad, dataFormat, attrs.dimRoundingMode);
  const inChannels = (x.shape as number[])[dataFormat === 'NHWC' ? 3 : 1];
  const [, , filterInChannels, outChannels] = filter.shape;
  if (filterInChannels <= 0 || inChannels % filterInChannels !== 0) {
    fail(op, `the input's ${inChannels} channels (x ${fmt(x.shape)}, ${dataFormat}) must be a ` +
             `multiple of the filter's in-channels ${filterInChannels} (filter ${fmt(filter.shape)})`);
  }
  const groups = inChannels / filterInChannels;
  if (outChannels % groups !== 0) {
    fail(op, `groups = ${groups} (x ${fmt(x.shape)} has ${inChannels} channels, filter ` +
             `${fmt(filter.shape)} takes ${filterInChannels}) must divide the filter's ` +
             `${outChannels} out-channels`);
  }
  const checked: ConvAttrs = {strides, pad, dataFormat, dilations,
                              dimRoundingMode: attrs.dimRoundingMode as RoundingMode | undefined};
  const geometry = convGeometry(x.shape, filter.shape, checked);
  checkOutput(op, geometry, `filter ${fmt(filter.shape)}`);
  return {attrs: checked, geometry};
}

export function checkPool(op: string, x: tf.Tensor, attrs: PoolAttrs):
    {attrs: PoolAttrs; geometry: ConvGeometry} {
  const dataFormat = checkDataFormat(op, attrs.dataFormat ?? 'NHWC');
  const filterSize = checkPositiveInts(op, 'filterSize', attrs.filterSize);
  const strides = checkPositiveInts(op, 'strides', attrs.strides);
  const dilations = checkPositiveInts(op, 'dilations', attrs.dilations ?? 1);
  if ((strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1)) {
    fail(op, `strides and dilations cannot both be greater than 1, got strides ` +
             `${fmt(strides)} and dilations ${fmt(dilations)}`);
  }
  const pad = checkPad(op, attrs.pad, dataFormat, attrs.dimRoundingMode);
  const checked: PoolAttrs = {filterSize, strides, pad, dataFormat, dilations,
                              dimRoundingMode: attrs.dimRoundingMode};
  const geometry = poolGeometry(x.shape, checked);
  checkOutput(op, geometry, `window ${filterSize[0]}x${filterSize[1]}`);
  return {attrs: checked, geometry};
}

/** A bias or PReLU operand must be a scalar, a 1-D tensor of outC values, or (NHWC) a tensor
 *  that broadcasts to the output. */
export function checkOperand(op: string, name: string, t: tf.Tensor, g: ConvGeometry): void {
  if (t.size === 1 || (t.rank === 1 && t.shape[0] === g.outChannels)) return;
  const broadcasts = g.dataFormat === 'NHWC' && t.rank <= 4 &&
      t.shape.every((s, i) => s === 1 || s === g.outShape[4 - t.rank + i]);
  if (!broadcasts) {
    fail(op, `${name} of shape ${fmt(t.shape)} must be a scalar or hold one value per output ` +
             `channel (${g.outChannels})` +
             (g.dataFormat === 'NHWC' ? `, or broadcast to the output ${fmt(g.outShape)}` : ''));
  }
}
