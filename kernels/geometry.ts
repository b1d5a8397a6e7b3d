// The one home of shape and padding arithmetic. Output sizes and paddings come from tfjs's own
// backend_util.computeConv2DInfo / computePool2DInfo, so every shape agrees with the built-ins
// (including their quirk for a numeric pad, which sizes the width with the filter height and the
// height stride). This module adds what tfjs lacks: groups, plain layout strides, and the
// index algebra of the backward passes.
//
// The backward algebra, derived once. Along one spatial axis, with stride s, dilation dl and
// top padding p, output row yR reads input row
//
//     xR = yR * s - p + wR * dl                                            (1)
//
// Forward:  y[yR]  = Σ_wR x[yR*s - p + wR*dl] · W[wR]
// Filter:   dW[wR] = Σ_yR x[yR*s - p + wR*dl] · dy[yR]      (the forward's reads, weighted by dy)
// Input:    dx[xR] = Σ dy[yR] · W[wR] over every (yR, wR) that satisfies (1), i.e.
//
//     yR = (xR + p - wR*dl) / s,  which must be an integer in [0, outHeight).      (2)
//
// (2) is the seeds' "expand the sensitivity map with s - 1 zeros, pad it, rotate the filter by
// 180 degrees and correlate": written out, the padded expanded map has (eff - 1 - p) zeros in
// front, where eff = (f - 1) * dl + 1, and correlating it with the flipped filter visits exactly
// the (yR, wR) of (2); the zeros of the expansion are the yR that are not integers. The kernels
// either gather with (2) or scatter with (1) (im2col's transpose, col2im); neither needs the
// padding of the transposed convolution, and no kernel recomputes any of this itself.

import * as tf from '@tensorflow/tfjs-core';

import type {ConvAttrs, DataFormat, PadSpec, Pair, PoolAttrs, RoundingMode} from './names';

export interface ConvGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  effectiveFilterHeight: number;
  effectiveFilterWidth: number;
  padInfo: {top: number; bottom: number; left: number; right: number; type: string};
  groups: number;
  /** Input channels that one output channel sees: filterShape[2]. */
  inChannelsPerGroup: number;
  outChannelsPerGroup: number;
  dataFormat: DataFormat;
  inShape: number[];
  outShape: number[];
  /** [fh, fw, inC / groups, outC] */
  filterShape: number[];
}

export function pair(v: number | Pair | undefined, fallback = 1): Pair {
  if (v == null) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function tfDataFormat(dataFormat: DataFormat): 'channelsFirst' | 'channelsLast' {
  return dataFormat === 'NCHW' ? 'channelsFirst' : 'channelsLast';
}

// tfjs's types accept ExplicitPadding as number[][]; ours is the precise tuple.
type TfPad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

function fromInfo(
  info: tf.backend_util.Conv2DInfo,
  dataFormat: DataFormat,
  filterShape: number[],
): ConvGeometry {
  const inChannelsPerGroup = filterShape[2];
  const groups = info.inChannels / inChannelsPerGroup;
  return {
    batchSize: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    effectiveFilterHeight: info.effectiveFilterHeight,
    effectiveFilterWidth: info.effectiveFilterWidth,
    padInfo: {...info.padInfo},
    groups,
    inChannelsPerGroup,
    outChannelsPerGroup: info.outChannels / groups,
    dataFormat,
    inShape: [...info.inShape],
    outShape: [...info.outShape],
    filterShape: [...filterShape],
  };
}

/** Geometry of a (grouped) convolution of x by a filter [fh, fw, inC / groups, outC]. */
export function convGeometry(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
): ConvGeometry {
  const dataFormat = attrs.dataFormat ?? 'NHWC';
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad as TfPad,
    attrs.dimRoundingMode,
    false,
    tfDataFormat(dataFormat),
  );
  return fromInfo(info, dataFormat, filterShape);
}

/** Geometry of a max pool: a convolution whose filter is [fh, fw, 1, C] per channel. */
export function poolGeometry(xShape: number[], attrs: PoolAttrs): ConvGeometry {
  const dataFormat = attrs.dataFormat ?? 'NHWC';
  const [fh, fw] = pair(attrs.filterSize);
  const info = tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    [fh, fw],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad as TfPad,
    attrs.dimRoundingMode,
    tfDataFormat(dataFormat),
  );
  const channels = info.inChannels;
  // Pooling is per channel: in the vocabulary of grouped convolution, groups = channels.
  return fromInfo(info, dataFormat, [fh, fw, 1, channels]);
}

/**
 * The forward convolution whose output is g's input gradient, for stride 1, dilation 1 and one
 * group. With s = dl = 1, (2) reads yR = xR + p - wR; writing wR' = fh - 1 - wR,
 *
 *     dx[xR] = Σ_wR' dy[xR - (fh - 1 - p) + wR'] · W[fh - 1 - wR']
 *
 * which is (1) for the input dy, top padding fh - 1 - p, and the filter rotated by 180 degrees
 * with its channel axes swapped, Wrot[wR', wC', d2, d1] = W[fh-1-wR', fw-1-wC', d1, d2]; its
 * output is inH × inW × inC. (A padding above fh - 1 becomes a negative one: rows of dy that no
 * window reaches.) The geometry is NHWC, whatever g's layout.
 */
export function inputGradientAsConv(g: ConvGeometry): ConvGeometry {
  const top = g.filterHeight - 1 - g.padInfo.top;
  const left = g.filterWidth - 1 - g.padInfo.left;
  return {
    batchSize: g.batchSize,
    inHeight: g.outHeight,
    inWidth: g.outWidth,
    inChannels: g.outChannels,
    outHeight: g.inHeight,
    outWidth: g.inWidth,
    outChannels: g.inChannels,
    filterHeight: g.filterHeight,
    filterWidth: g.filterWidth,
    strideHeight: 1,
    strideWidth: 1,
    dilationHeight: 1,
    dilationWidth: 1,
    effectiveFilterHeight: g.filterHeight,
    effectiveFilterWidth: g.filterWidth,
    padInfo: {
      top,
      left,
      bottom: g.inHeight - 1 + g.filterHeight - top - g.outHeight,
      right: g.inWidth - 1 + g.filterWidth - left - g.outWidth,
      type: 'EXPLICIT',
    },
    groups: 1,
    inChannelsPerGroup: g.outChannels,
    outChannelsPerGroup: g.inChannels,
    dataFormat: 'NHWC',
    inShape: [g.batchSize, g.outHeight, g.outWidth, g.outChannels],
    outShape: [g.batchSize, g.inHeight, g.inWidth, g.inChannels],
    filterShape: [g.filterHeight, g.filterWidth, g.outChannels, g.inChannels],
  };
}

/** Element strides of a 4-D tensor addressed as (b, row, col, channel) in either layout. */
export interface Strides4 {
  b: number;
  r: number;
  c: number;
  d: number;
}

export function layoutStrides(
  height: number,
  width: number,
  channels: number,
  dataFormat: DataFormat,
): Strides4 {
  return dataFormat === 'NHWC'
    ? {b: height * width * channels, r: width * channels, c: channels, d: 1}
    : {b: channels * height * width, r: width, c: 1, d: height * width};
}

/** The shape [b, h, w, c] in the given layout. */
export function shapeOf(
  b: number,
  h: number,
  w: number,
  c: number,
  dataFormat: DataFormat,
): number[] {
  return dataFormat === 'NHWC' ? [b, h, w, c] : [b, c, h, w];
}

/** Reads (b, h, w, c) out of a 4-D shape in the given layout. */
export function unpackShape(
  shape: number[],
  dataFormat: DataFormat,
): {batch: number; height: number; width: number; channels: number} {
  return dataFormat === 'NHWC'
    ? {batch: shape[0], height: shape[1], width: shape[2], channels: shape[3]}
    : {batch: shape[0], channels: shape[1], height: shape[2], width: shape[3]};
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** The explicit padding [[0,0],[t,b],[l,r],[0,0]] (or its NCHW form) as {top,bottom,left,right}. */
export function explicitPadding(
  pad: PadSpec,
  dataFormat: DataFormat,
): {top: number; bottom: number; left: number; right: number} | null {
  if (!Array.isArray(pad)) return null;
  const [rows, cols] = dataFormat === 'NHWC' ? [pad[1], pad[2]] : [pad[2], pad[3]];
  return {top: rows[0], bottom: rows[1], left: cols[0], right: cols[1]};
}

export type {RoundingMode};

/** Along one axis, the outputs [start, end) outside which every window lies wholly in the
 *  padding, and `start` never past the first output whose window starts at or above row 0, so
 *  that a geometry cropped to them keeps a padding >= 0 at the start. */
function liveAxis(
  outSize: number,
  inSize: number,
  pad: number,
  stride: number,
  dilation: number,
  filterSize: number,
): [number, number] {
  // Output y reads input rows y*stride - pad + k*dilation, k in [0, filterSize).
  const live = (y: number) => {
    const first = y * stride - pad;
    const k = Math.max(0, Math.ceil(-first / dilation));
    return k < filterSize && first + k * dilation < inSize;
  };
  const span = (filterSize - 1) * dilation + 1;
  // The outputs whose span [first, first + span) meets [0, inSize); live ones lie among them.
  let start = Math.max(0, Math.ceil((pad - span + 1) / stride));
  let end = Math.min(outSize, Math.floor((pad + inSize - 1) / stride) + 1);
  while (start < end && !live(start)) start++;
  while (end > start && !live(end - 1)) end--;
  if (start >= end) return [0, 0];
  if (pad >= 0) start = Math.min(start, Math.floor(pad / stride));
  return [start, end];
}

/** The rectangle of output rows and columns outside which every window lies wholly in the
 *  padding: there a convolution is 0 (before bias and activation), a max pool -Infinity with no
 *  argmax, and dy reaches neither dx nor dW. Empty (rowStart = rowEnd) when no window reads x. */
export interface LiveRegion {
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
}

export function liveRegion(g: ConvGeometry): LiveRegion {
  const [rowStart, rowEnd] = liveAxis(
    g.outHeight,
    g.inHeight,
    g.padInfo.top,
    g.strideHeight,
    g.dilationHeight,
    g.filterHeight,
  );
  const [colStart, colEnd] = liveAxis(
    g.outWidth,
    g.inWidth,
    g.padInfo.left,
    g.strideWidth,
    g.dilationWidth,
    g.filterWidth,
  );
  return rowEnd > rowStart && colEnd > colStart
    ? {rowStart, rowEnd, colStart, colEnd}
    : {rowStart: 0, rowEnd: 0, colStart: 0, colEnd: 0};
}

/** Whether the region is the whole output. */
export function isWholeOutput(g: ConvGeometry, r: LiveRegion): boolean {
  return (
    r.rowStart === 0 && r.colStart === 0 && r.rowEnd === g.outHeight && r.colEnd === g.outWidth
  );
}

/** g restricted to the outputs of a non-empty region: the same input, filter and steps, the
 *  output rows [rowStart, rowEnd) and columns [colStart, colEnd) of g, and the padding that puts
 *  their windows where they were. */
export function cropToRegion(g: ConvGeometry, r: LiveRegion): ConvGeometry {
  const outHeight = r.rowEnd - r.rowStart;
  const outWidth = r.colEnd - r.colStart;
  const top = g.padInfo.top - r.rowStart * g.strideHeight;
  const left = g.padInfo.left - r.colStart * g.strideWidth;
  const bottom = (outHeight - 1) * g.strideHeight + g.effectiveFilterHeight - g.inHeight - top;
  const right = (outWidth - 1) * g.strideWidth + g.effectiveFilterWidth - g.inWidth - left;
  return {
    ...g,
    outHeight,
    outWidth,
    padInfo: {top, left, bottom: Math.max(0, bottom), right: Math.max(0, right), type: 'EXPLICIT'},
    inShape: [...g.inShape],
    outShape: shapeOf(g.batchSize, outHeight, outWidth, g.outChannels, g.dataFormat),
    filterShape: [...g.filterShape],
  };
}

/** Whether some window reads the padding (a tap outside x), as the output's padded taps then
 *  contribute nothing rather than 0 times an operand. */
export function readsPadding(g: ConvGeometry): boolean {
  const lastRow = (g.outHeight - 1) * g.strideHeight - g.padInfo.top + g.effectiveFilterHeight;
  const lastCol = (g.outWidth - 1) * g.strideWidth - g.padInfo.left + g.effectiveFilterWidth;
  return g.padInfo.top > 0 || g.padInfo.left > 0 || lastRow > g.inHeight || lastCol > g.inWidth;
}
