// What every cpu (and wasm) convolution and max-pool kernel does before it chooses a fast path,
// so that each fast path may assume both:
//
// 1. Outputs whose whole window lies in the padding are not computed. Their values are known: 0
//    for a convolution (before bias and activation), -Infinity with no argmax (-1) for a max pool;
//    and dy at those outputs reaches neither dx nor dW. The kernel runs on the geometry cropped
//    to the rectangle of outputs whose windows read x (geometry.ts, liveRegion), and the result
//    is placed into the full output. A 1x1 input with a pad of 1000 is then one window's work.
//
// 2. Where a window reads the padding, the operand that the materialised zeros of the padding
//    meet is finite: the filter for the forward pass and the input gradient (whose stride-1 path
//    pads dy and multiplies the rotated filter into it), dy for the filter gradient. Otherwise
//    0 * Infinity would make NaN of a tap that contributes nothing; such inputs take the direct
//    sums of direct.ts, which skip the padded taps.
//
// Each guard returns the kernel's result, or null when the kernel's own paths apply as they are.

import {
  ConvGeometry,
  cropToRegion,
  isWholeOutput,
  LiveRegion,
  liveRegion,
  readsPadding,
  sizeOf,
} from '../geometry';
import {inputFromNhwc, inputToNhwc, outputFromNhwc, outputToNhwc} from './conv_common';
import {conv2dBackpropFilterDirect, conv2dBackpropInputDirect, conv2dDirect} from './direct';

type Values = Float32Array | Int32Array;

/** Whether every value is a finite number. */
export function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) {
    // v - v is 0 for a finite v, NaN for ±Infinity and NaN.
    const v = values[i];
    if (v - v !== 0) return false;
  }
  return true;
}

/** Copies between an output-shaped array of g (its layout) and the same array restricted to the
 *  region's rows and columns: `toRegion` reads full into part, else part into full. */
function copyRegion(
  full: Values,
  part: Values,
  g: ConvGeometry,
  r: LiveRegion,
  toRegion: boolean,
): void {
  const {outHeight: h, outWidth: w, outChannels: c, batchSize} = g;
  const rows = r.rowEnd - r.rowStart;
  const cols = r.colEnd - r.colStart;
  // NHWC: a region row is one run of cols * c values; NCHW: one run of cols per channel.
  const nhwc = g.dataFormat === 'NHWC';
  const planes = nhwc ? batchSize : batchSize * c;
  const unit = nhwc ? c : 1;
  const run = cols * unit;
  for (let plane = 0; plane < planes; plane++) {
    for (let i = 0; i < rows; i++) {
      const f = ((plane * h + r.rowStart + i) * w + r.colStart) * unit;
      const p = (plane * rows + i) * run;
      if (toRegion) {
        part.set(full.subarray(f, f + run), p);
      } else {
        full.set(part.subarray(p, p + run), f);
      }
    }
  }
}

function regionOf<T extends Values>(full: T, g: ConvGeometry, r: LiveRegion, sub: ConvGeometry): T {
  const part = new (full.constructor as {new (n: number): T})(sizeOf(sub.outShape));
  copyRegion(full, part, g, r, true);
  return part;
}

/** The live region of g and g cropped to it, or null where every output is live. */
function cropped(g: ConvGeometry): {r: LiveRegion; sub: ConvGeometry | null} | null {
  const r = liveRegion(g);
  if (isWholeOutput(g, r)) return null;
  return {r, sub: r.rowEnd > r.rowStart ? cropToRegion(g, r) : null};
}

/** Whether every output of g has a window that reads x: no guard crops it (kernels that run in
 *  place on another memory check this, and the finiteness guard, before they start). */
export function allOutputsLive(g: ConvGeometry): boolean {
  return cropped(g) == null;
}

type Conv = (a: Float32Array, b: Float32Array, g: ConvGeometry) => Float32Array;

/** y = conv2d(x, W), in g's layout. */
export function conv2dGuards(
  x: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  compute: Conv,
): Float32Array | null {
  const c = cropped(g);
  if (c != null) {
    const y = new Float32Array(sizeOf(g.outShape));
    if (c.sub != null) copyRegion(y, compute(x, filter, c.sub), g, c.r, false);
    return y;
  }
  if (!readsPadding(g) || allFinite(filter)) return null;
  const y = new Float32Array(sizeOf(g.outShape));
  conv2dDirect(inputToNhwc(x, g), filter, g, y);
  return outputFromNhwc(y, g);
}

/** dx of conv2d, in g's layout. Every path but the stride-1 one is exact for any filter (they
 *  drop the padded taps' products, never multiply them); the guard does not rely on that. */
export function conv2dBackpropInputGuards(
  dy: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
  compute: Conv,
): Float32Array | null {
  const c = cropped(g);
  if (c != null) {
    if (c.sub == null) return new Float32Array(sizeOf(g.inShape));
    return compute(regionOf(dy, g, c.r, c.sub), filter, c.sub);
  }
  if (allFinite(filter)) return null;
  const dx = new Float32Array(sizeOf(g.inShape));
  conv2dBackpropInputDirect(outputToNhwc(dy, g), filter, g, dx);
  return inputFromNhwc(dx, g);
}

/** dW of conv2d, [fh, fw, inC / groups, outC], where some outputs have no window on x (the
 *  first guard). The second guard, on dy's finiteness, is conv2dBackpropFilterFiniteGuard: it is
 *  apart because the SIMD path checks dy on its own copy of it, in wasm, and takes it only where
 *  that check fails. */
export function conv2dBackpropFilterCropGuard(
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  compute: Conv,
): Float32Array | null {
  const c = cropped(g);
  if (c == null) return null;
  if (c.sub == null) return new Float32Array(sizeOf(g.filterShape));
  return compute(x, regionOf(dy, g, c.r, c.sub), c.sub);
}

/** dW of conv2d by the direct sums where the windows read the padding and dy is not finite. */
export function conv2dBackpropFilterFiniteGuard(
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
): Float32Array | null {
  if (!readsPadding(g) || allFinite(dy)) return null;
  const dW = new Float32Array(sizeOf(g.filterShape));
  conv2dBackpropFilterDirect(inputToNhwc(x, g), outputToNhwc(dy, g), g, dW);
  return dW;
}

type Pooled = {y: Float32Array; argmax: Int32Array};

/** y and argmax of a max pool, in g's layout. */
export function maxPoolGuards(
  x: Float32Array,
  g: ConvGeometry,
  compute: (x: Float32Array, g: ConvGeometry) => Pooled,
): Pooled | null {
  const c = cropped(g);
  if (c == null) return null;
  const n = sizeOf(g.outShape);
  const y = new Float32Array(n).fill(-Infinity);
  const argmax = new Int32Array(n).fill(-1);
  if (c.sub != null) {
    const part = compute(x, c.sub);
    copyRegion(y, part.y, g, c.r, false);
    copyRegion(argmax, part.argmax, g, c.r, false);
  }
  return {y, argmax};
}

/** dx of a max pool: outputs without an argmax add nothing. */
export function maxPoolGradGuards(
  dy: Float32Array,
  argmax: Int32Array,
  g: ConvGeometry,
  compute: (dy: Float32Array, argmax: Int32Array, g: ConvGeometry) => Float32Array,
): Float32Array | null {
  const c = cropped(g);
  if (c == null) return null;
  if (c.sub == null) return new Float32Array(sizeOf(g.inShape));
  return compute(regionOf(dy, g, c.r, c.sub), regionOf(argmax, g, c.r, c.sub), c.sub);
}

/** The gather of v at the argmax: 0 where there is none. */
export function maxPoolGatherGuards(
  v: Float32Array,
  argmax: Int32Array,
  g: ConvGeometry,
  compute: (v: Float32Array, argmax: Int32Array, g: ConvGeometry) => Float32Array,
): Float32Array | null {
  const c = cropped(g);
  if (c == null) return null;
  const out = new Float32Array(sizeOf(g.outShape));
  if (c.sub != null) {
    copyRegion(out, compute(v, regionOf(argmax, g, c.r, c.sub), c.sub), g, c.r, false);
  }
  return out;
}
