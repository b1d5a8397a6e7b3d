// The checks of shapes, dtypes and attributes, shared by the public ops (src/validate.ts) and by
// every kernel's entry point on every backend (checkKernelCall), so that a kernel reached through
// tf.engine().runKernel, or under tfjs's own names, throws the same clear error as the op would:
// naming the kernel (or op), the argument and the shapes. Nothing here reads tensor values.

import {ConvGeometry, convGeometry, pair, poolGeometry, sizeOf} from './geometry';
import type {
  ConvAttrs,
  DataFormat,
  FusedConv2DAttrs,
  KernelName,
  PadSpec,
  Pair,
  PoolAttrs,
  RoundingMode,
} from './names';
import * as names from './names';
import {operandFits} from './operands';
import {sameSignature, Signature, signatureOf} from './signature';

/** An error in one argument of an op or kernel; `argument` names it. */
export class ArgumentError extends Error {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
    this.name = 'Error';
  }
}

export function fail(op: string, message: string, argument = ''): never {
  throw new ArgumentError(argument, `${op}: ${message}`);
}

export const fmt = (shape: readonly number[]) => `[${shape.join(',')}]`;

/** A value as it would be written in code: numbers as they are (NaN, Infinity, -0 stays 0),
 *  strings quoted, arrays and plain objects element by element. */
export function show(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    return `{${entries.map(([k, x]) => `${k}: ${show(x)}`).join(', ')}}`;
  }
  return String(v);
}

const isCount = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;

export function checkPositiveInts(op: string, name: string, v: unknown): Pair {
  const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (typeof v === 'number' ? ok(v) : Array.isArray(v) && v.length === 2 && v.every(ok)) {
    return pair(v as number | Pair);
  }
  return fail(op, `${name} must be a positive integer or a pair of them, got ${show(v)}`, name);
}

export function checkDataFormat(op: string, dataFormat: unknown): DataFormat {
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') {
    fail(op, `dataFormat must be 'NHWC' or 'NCHW', got ${show(dataFormat)}`, 'dataFormat');
  }
  return dataFormat;
}

export function checkPad(
  op: string,
  pad: unknown,
  dataFormat: DataFormat,
  dimRoundingMode: unknown,
): PadSpec {
  if (dimRoundingMode != null && !['floor', 'round', 'ceil'].includes(dimRoundingMode as string)) {
    fail(
      op,
      `dimRoundingMode must be 'floor', 'round' or 'ceil', got ${show(dimRoundingMode)}`,
      'dimRoundingMode',
    );
  }
  if (pad === 'same' || pad === 'valid') {
    if (dimRoundingMode != null) {
      fail(
        op,
        `pad must be a number or explicit padding when dimRoundingMode is given, got ` +
          `pad '${pad}' with dimRoundingMode '${String(dimRoundingMode)}'`,
        'pad',
      );
    }
    return pad;
  }
  if (typeof pad === 'string') {
    fail(
      op,
      `pad must be 'same', 'valid', a non-negative integer or explicit padding, got '${pad}'`,
      'pad',
    );
  }
  if (typeof pad === 'number') {
    if (!isCount(pad)) fail(op, `pad must be a non-negative integer, got ${show(pad)}`, 'pad');
    return pad;
  }
  const layout =
    dataFormat === 'NHWC'
      ? '[[0,0],[top,bottom],[left,right],[0,0]]'
      : '[[0,0],[0,0],[top,bottom],[left,right]]';
  const isPair = (p: unknown) => Array.isArray(p) && p.length === 2 && p.every(isCount);
  if (!Array.isArray(pad) || pad.length !== 4 || !pad.every(isPair)) {
    fail(op, `explicit pad must be ${layout} of non-negative integers, got ${show(pad)}`, 'pad');
  }
  const [batchAxis, channelAxis] = dataFormat === 'NHWC' ? [0, 3] : [0, 1];
  for (const ax of [batchAxis, channelAxis]) {
    if (pad[ax][0] !== 0 || pad[ax][1] !== 0) {
      fail(
        op,
        `explicit pad must not pad the batch or channel axis: expected ${layout}, got ` + show(pad),
        'pad',
      );
    }
  }
  return pad as PadSpec;
}

/** A shape of `rank` sizes, each a non-negative integer. */
export function checkShape(op: string, name: string, shape: unknown, ranks: number[]): number[] {
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(
      op,
      `${name} must be a shape (an array of non-negative integers), got ${show(shape)}`,
      name,
    );
  }
  if (!ranks.includes(shape.length)) {
    fail(
      op,
      `${name} must be rank ${ranks.join(' or ')}, got rank ${shape.length} ` +
        `(shape ${fmt(shape)})`,
      name,
    );
  }
  return shape;
}

/** The output must have a size along each spatial axis: a negative size, or none while the
 *  input has rows (columns), means the window is larger than the padded input. An input with no
 *  rows (columns) has an output of none or of rows that lie wholly in the padding. */
/** `what` and the other describers below build their text only for the error: on the success
 *  path of every kernel call, formatting shapes cost a few percent of a small call. */
function checkOutput(op: string, g: ConvGeometry, what: () => string, argument: string): void {
  const bad = (out: number, input: number) => !(out >= 0) || (out === 0 && input > 0);
  if (bad(g.outHeight, g.inHeight) || bad(g.outWidth, g.inWidth)) {
    fail(
      op,
      `the ${what()} (effective ${g.effectiveFilterHeight}x${g.effectiveFilterWidth}) is ` +
        `larger than the padded input ${fmt(g.inShape)} (padding top ${g.padInfo.top}, ` +
        `bottom ${g.padInfo.bottom}, left ${g.padInfo.left}, right ${g.padInfo.right}): ` +
        `the output would be ${g.outHeight}x${g.outWidth}`,
      argument,
    );
  }
}

function checkStridesAndDilations(op: string, strides: Pair, dilations: Pair): void {
  if ((strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1)) {
    fail(
      op,
      `strides and dilations cannot both be greater than 1, got strides ` +
        `${fmt(strides)} and dilations ${fmt(dilations)}`,
      'dilations',
    );
  }
}

/** Checks the shapes of x (rank 4) and the filter against the attributes; returns the checked
 *  attributes and the geometry they define. `forOp`: also reject strides and dilations both
 *  above 1, as tfjs's ops do (its kernels, and so these, compute them). */
export function checkConvShapes(
  op: string,
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  forOp = false,
): {attrs: ConvAttrs; geometry: ConvGeometry} {
  checkShape(op, 'x', xShape, [4]);
  checkShape(op, 'filter', filterShape, [4]);
  const dataFormat = checkDataFormat(op, attrs.dataFormat);
  const strides = checkPositiveInts(op, 'strides', attrs.strides);
  const dilations = checkPositiveInts(op, 'dilations', attrs.dilations);
  if (forOp) checkStridesAndDilations(op, strides, dilations);
  const pad = checkPad(op, attrs.pad, dataFormat, attrs.dimRoundingMode);
  const inChannels = xShape[dataFormat === 'NHWC' ? 3 : 1];
  const [, , filterInChannels, outChannels] = filterShape;
  // No input channels: the filter must take none either (one group of empty sums).
  if (filterInChannels === 0 ? inChannels !== 0 : inChannels % filterInChannels !== 0) {
    fail(
      op,
      `the input's ${inChannels} channels (x ${fmt(xShape)}, ${dataFormat}) must be a ` +
        `multiple of the filter's in-channels ${filterInChannels} (filter ${fmt(filterShape)})`,
      'filter',
    );
  }
  const groups = filterInChannels === 0 ? 1 : inChannels / filterInChannels;
  if (outChannels % groups !== 0) {
    fail(
      op,
      `groups = ${groups} (x ${fmt(xShape)} has ${inChannels} channels, filter ` +
        `${fmt(filterShape)} takes ${filterInChannels}) must divide the filter's ` +
        `${outChannels} out-channels`,
      'filter',
    );
  }
  const checked: ConvAttrs = {
    strides,
    pad,
    dataFormat,
    dilations,
    dimRoundingMode: attrs.dimRoundingMode as RoundingMode | undefined,
  };
  const geometry = convGeometry(xShape, filterShape, checked);
  checkOutput(op, geometry, () => `filter ${fmt(filterShape)}`, 'filter');
  return {attrs: checked, geometry};
}

/** A depthwise filter [fh, fw, C, M] of an x with C channels, checked, as the grouped filter it is
 *  in memory: [fh, fw, 1, C * M], output channel d1 * M + q being the q-th output of group d1
 *  (with no channels, the one empty group [fh, fw, 0, 0]). */
export function depthwiseAsGrouped(
  op: string,
  xShape: number[],
  filterShape: number[],
  dataFormat: DataFormat,
): number[] {
  checkShape(op, 'x', xShape, [4]);
  checkShape(op, 'filter', filterShape, [4]);
  const inChannels = xShape[dataFormat === 'NCHW' ? 1 : 3];
  const [fh, fw, filterChannels, multiplier] = filterShape;
  if (filterChannels !== inChannels) {
    fail(
      op,
      `the depthwise filter ${fmt(filterShape)} ([filterHeight, filterWidth, inChannels, ` +
        `channelMultiplier]) must take the input's ${inChannels} channels (x ${fmt(xShape)}, ` +
        `${dataFormat}), got ${filterChannels}`,
      'filter',
    );
  }
  return inChannels === 0 ? [fh, fw, 0, 0] : [fh, fw, 1, inChannels * multiplier];
}

/** Checks the shape of x (rank 4) against the pooling attributes (`forOp` as above). */
export function checkPoolShapes(
  op: string,
  xShape: number[],
  attrs: PoolAttrs,
  forOp = false,
): {attrs: PoolAttrs; geometry: ConvGeometry} {
  checkShape(op, 'x', xShape, [4]);
  const dataFormat = checkDataFormat(op, attrs.dataFormat ?? 'NHWC');
  const filterSize = checkPositiveInts(op, 'filterSize', attrs.filterSize);
  const strides = checkPositiveInts(op, 'strides', attrs.strides);
  const dilations = checkPositiveInts(op, 'dilations', attrs.dilations ?? 1);
  if (forOp) checkStridesAndDilations(op, strides, dilations);
  const pad = checkPad(op, attrs.pad, dataFormat, attrs.dimRoundingMode);
  const checked: PoolAttrs = {
    filterSize,
    strides,
    pad,
    dataFormat,
    dilations,
    dimRoundingMode: attrs.dimRoundingMode,
  };
  const geometry = poolGeometry(xShape, checked);
  checkOutput(op, geometry, () => `window ${filterSize[0]}x${filterSize[1]}`, 'filterSize');
  return {attrs: checked, geometry};
}

/** What a kernel entry point needs to know of one input. */
export interface InputInfo {
  shape: number[];
  dtype: string;
}

export interface CheckedCall {
  geometry: ConvGeometry;
  /** The output shapes, in the order the kernel returns them. */
  outShapes: number[][];
  /** Whether the outputs are known without reading any input: they are empty, or an input the
   *  kernel sums or scans over is (see trivialOutputs in trivial.ts). */
  trivial: boolean;
}

function expectShape(
  op: string,
  name: string,
  t: InputInfo,
  expected: number[],
  what: () => string,
): void {
  if (t.shape.length !== expected.length || t.shape.some((s, i) => s !== expected[i])) {
    fail(
      op,
      `${name} of shape ${fmt(t.shape)} must have the shape ${fmt(expected)} of ${what()}`,
      name,
    );
  }
}

const describeConv = (a: ConvAttrs) =>
  `strides ${show(a.strides)}, pad ${show(a.pad)}, dilations ${show(a.dilations)}` +
  (a.dimRoundingMode != null ? `, dimRoundingMode ${show(a.dimRoundingMode)}` : '') +
  `, ${a.dataFormat}`;
const describePool = (a: PoolAttrs) =>
  `filterSize ${show(a.filterSize)}, strides ${show(a.strides)}, pad ${show(a.pad)}` +
  (a.dimRoundingMode != null ? `, dimRoundingMode ${show(a.dimRoundingMode)}` : '') +
  `, ${a.dataFormat}`;

/**
 * The one check of a kernel call, run by every backend's entry point before any work: each
 * input present and of its dtype (float32; int32 for argmax), and every shape consistent with
 * the attributes and with the others (dy and argmax must have the forward's output shape; bias
 * and PReLU weights must fit the output). Throws an Error naming the kernel, the argument and
 * the shapes.
 */
export function checkKernelCall(
  kernel: KernelName,
  inputs: Record<string, InputInfo | undefined>,
  attrs: object,
): CheckedCall {
  const op = kernel;
  const a = attrs as Record<string, unknown>;
  const input = (name: string): InputInfo => {
    const t = inputs[name];
    if (t == null) fail(op, `input ${name} is required`, name);
    const dtype = name === 'argmax' ? 'int32' : 'float32';
    if (t.dtype !== dtype) {
      fail(
        op,
        `${name} must be a ${dtype} tensor, got dtype ${t.dtype} (shape ${fmt(t.shape)})`,
        name,
      );
    }
    return t;
  };
  const empty = (...ts: InputInfo[]) => ts.some((t) => sizeOf(t.shape) === 0);
  const checked = (geometry: ConvGeometry, outShapes: number[][], reads: InputInfo[]) => ({
    geometry,
    outShapes,
    trivial: outShapes.some((s) => sizeOf(s) === 0) || empty(...reads),
  });
  switch (kernel) {
    case names.HandmadeConv2D: {
      const [x, filter] = [input('x'), input('filter')];
      const {geometry: g} = checkConvShapes(op, x.shape, filter.shape, a as unknown as ConvAttrs);
      return checked(g, [g.outShape], [x, filter]);
    }
    case names.HandmadeConv2DBackpropInput: {
      const [dy, filter] = [input('dy'), input('filter')];
      const inputShape = checkShape(op, 'inputShape', a.inputShape, [4]);
      const {attrs: c, geometry: g} = checkConvShapes(
        op,
        inputShape,
        filter.shape,
        a as unknown as ConvAttrs,
      );
      expectShape(
        op,
        'dy',
        dy,
        g.outShape,
        () =>
          `the output of the convolution of inputShape ` +
          `${fmt(inputShape)} by filter ${fmt(filter.shape)} (${describeConv(c)})`,
      );
      return checked(g, [g.inShape], [dy, filter]);
    }
    case names.HandmadeConv2DBackpropFilter: {
      const [x, dy] = [input('x'), input('dy')];
      const filterShape = checkShape(op, 'filterShape', a.filterShape, [4]);
      const {attrs: c, geometry: g} = checkConvShapes(
        op,
        x.shape,
        filterShape,
        a as unknown as ConvAttrs,
      );
      expectShape(
        op,
        'dy',
        dy,
        g.outShape,
        () =>
          `the output of the convolution of x ` +
          `${fmt(x.shape)} by filterShape ${fmt(filterShape)} (${describeConv(c)})`,
      );
      return checked(g, [filterShape], [x, dy]);
    }
    case names.HandmadeFusedConv2D: {
      const [x, filter] = [input('x'), input('filter')];
      const f = a as unknown as FusedConv2DAttrs;
      const {geometry: g} = checkConvShapes(op, x.shape, filter.shape, f);
      if (!names.ACTIVATIONS.includes(f.activation)) {
        fail(
          op,
          `activation must be one of ${names.ACTIVATIONS.join(', ')}, got ${show(f.activation)}`,
          'activation',
        );
      }
      if (f.leakyreluAlpha != null && typeof f.leakyreluAlpha !== 'number') {
        fail(
          op,
          `leakyreluAlpha must be a number, got ${show(f.leakyreluAlpha)}`,
          'leakyreluAlpha',
        );
      }
      if (f.activation === 'prelu' && inputs.preluActivationWeights == null) {
        fail(op, `activation 'prelu' needs preluActivationWeights`, 'preluActivationWeights');
      }
      for (const name of ['bias', 'preluActivationWeights']) {
        if (inputs[name] == null) continue;
        const t = input(name);
        if (!operandFits(t.shape, g.outShape, g.dataFormat)) {
          fail(
            op,
            `${name} of shape ${fmt(t.shape)} must be a scalar, hold one value per ` +
              `output channel (${g.outChannels}), or broadcast to the output ` +
              `${fmt(g.outShape)} without changing its shape`,
            name,
          );
        }
      }
      return checked(g, [g.outShape], [x, filter]);
    }
    case names.HandmadeMaxPool: {
      const x = input('x');
      const {geometry: g} = checkPoolShapes(op, x.shape, a as unknown as PoolAttrs);
      return checked(g, [g.outShape, g.outShape], [x]);
    }
    case names.HandmadeMaxPoolValues: {
      const x = input('x');
      const {geometry: g} = checkPoolShapes(op, x.shape, a as unknown as PoolAttrs);
      return checked(g, [g.outShape], [x]);
    }
    case names.HandmadeMaxPoolGrad: {
      const [dy, argmax] = [input('dy'), input('argmax')];
      const inputShape = checkShape(op, 'inputShape', a.inputShape, [4]);
      const {attrs: c, geometry: g} = checkPoolShapes(op, inputShape, a as unknown as PoolAttrs);
      const what = () => `the max pool of inputShape ${fmt(inputShape)} (${describePool(c)})`;
      expectShape(op, 'dy', dy, g.outShape, what);
      expectShape(op, 'argmax', argmax, g.outShape, what);
      return checked(g, [g.inShape], [dy]);
    }
    case names.HandmadeMaxPoolGather: {
      const [x, argmax] = [input('x'), input('argmax')];
      const {attrs: c, geometry: g} = checkPoolShapes(op, x.shape, a as unknown as PoolAttrs);
      expectShape(
        op,
        'argmax',
        argmax,
        g.outShape,
        () => `the max pool of x ${fmt(x.shape)} (${describePool(c)})`,
      );
      return checked(g, [g.outShape], [x]);
    }
  }
  return fail(op, `unknown kernel`);
}

/** A call's check kept for the next call of the same kernel with the same filter. */
interface KeptCheck {
  kernel: KernelName;
  signature: Signature;
  checked: CheckedCall;
}

/** The kept checks, by the filter's dataId. */
const KEPT_CHECKS = new WeakMap<object, KeptCheck>();

/** checkKernelCall, made once for the calls of a kernel with the same filter (by its dataId),
 *  the same inputs' shapes and dtypes and the same attribute values (signature.ts). A model calls
 *  each layer's kernel so at every run; there the check and its geometry were a third of the
 *  host kernels' own time on a small layer's call (about 0.3 µs of a call of 1.5-10 µs on
 *  tfjs-wasm). The same CheckedCall comes back each time, so what a kernel derives from the
 *  geometry alone can be kept by the geometry's identity. A call that fails its check keeps
 *  nothing; one whose attributes hold anything but numbers, strings, booleans and arrays of them
 *  is checked every time. No tensor value is read here: tfjs gives new values a new dataId. */
export function checkKernelCallKept(
  kernel: KernelName,
  inputs: Record<string, (InputInfo & {dataId?: object}) | undefined>,
  attrs: object,
): CheckedCall {
  const filterId = inputs.filter?.dataId;
  if (filterId == null || typeof filterId !== 'object') {
    return checkKernelCall(kernel, inputs, attrs);
  }
  const kept = KEPT_CHECKS.get(filterId);
  if (kept != null && kept.kernel === kernel && sameSignature(kept.signature, inputs, attrs)) {
    return kept.checked;
  }
  const checked = checkKernelCall(kernel, inputs, attrs);
  const signature = signatureOf(inputs, attrs);
  if (signature != null) KEPT_CHECKS.set(filterId, {kernel, signature, checked});
  return checked;
}
