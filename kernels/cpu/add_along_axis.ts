// Add, where one operand is a vector broadcast along one axis of the other: the bias add that a
// layer without a fused bias runs after its convolution (tf.layers' depthwise and separable
// layers add [1, 1, 1, C] to [N, H, W, C], or [1, C, 1, 1] to [N, C, H, W]). tfjs-backend-cpu's
// Add takes its general broadcast path there, which works out both operands' indices element by
// element (about 70 ns an element); this walks the output once, holding each vector value across
// its run of elements. installAsBuiltins routes cpu's Add here (src/builtins.ts); every other Add
// stays tfjs's.
//
// With `big` of shape [..., C, inner...] and the vector v of C values on that axis:
//   out[i] = big[i] + v[floor(i / inner) mod C],   inner = product of big's dims after the axis.
// IEEE addition is commutative, so which operand was `a` does not change a bit of the result.

import type {TensorInfo} from '@tensorflow/tfjs-core';

import {type HostBackend, writeTensor} from './io';

export interface AxisBroadcast {
  /** Which input is the full-sized operand, whose shape is the output's. */
  big: 'a' | 'b';
  /** The vector's length: the broadcast axis's size (1 for a single value). */
  channels: number;
  /** The number of elements after the axis in the output (the run that shares one value). */
  inner: number;
}

/** How the smaller of two shapes broadcasts over the other along one axis, or null where they
 *  are equal (tfjs's own Add walks those once already) or broadcast in any other way.
 *  Right-aligned, every dim of the smaller operand is 1 but at most one, which equals the other's
 *  dim there, and it has no more dims than the other (else the output would gain dims). */
export function axisBroadcast(
  aShape: readonly number[],
  bShape: readonly number[],
): AxisBroadcast | null {
  const aSize = aShape.reduce((p, d) => p * d, 1);
  const bSize = bShape.reduce((p, d) => p * d, 1);
  if (aSize === bSize) return null;
  const big = aSize > bSize ? 'a' : 'b';
  const [bigShape, smallShape] = big === 'a' ? [aShape, bShape] : [bShape, aShape];
  if (smallShape.length > bigShape.length) return null;
  const offset = bigShape.length - smallShape.length;
  let axis = -1;
  for (let k = 0; k < smallShape.length; k++) {
    if (smallShape[k] === 1) continue;
    if (axis >= 0 || smallShape[k] !== bigShape[offset + k]) return null;
    axis = offset + k;
  }
  const channels = axis < 0 ? 1 : bigShape[axis];
  let inner = 1;
  for (let k = axis + 1; k < bigShape.length; k++) inner *= bigShape[k];
  return {big, channels, inner};
}

/** big + the vector broadcast as `axisBroadcast` describes it. */
export function addAlongAxis(
  big: Float32Array,
  vector: Float32Array,
  channels: number,
  inner: number,
): Float32Array {
  const out = new Float32Array(big.length);
  if (inner === 1) {
    // The vector is the last axis (channels last): one pass over the channels per cell.
    for (let cell = 0; cell < big.length; cell += channels) {
      for (let c = 0; c < channels; c++) out[cell + c] = big[cell + c] + vector[c];
    }
    return out;
  }
  let i = 0;
  while (i < big.length) {
    for (let c = 0; c < channels; c++) {
      const v = vector[c];
      for (const end = i + inner; i < end; i++) out[i] = big[i] + v;
    }
  }
  return out;
}

/** tfjs's Add of a and b on a host backend where both are float32 and one broadcasts along one
 *  axis of the other; null for every other Add (the caller runs tfjs's kernel). */
export function addAlongAxisHost(
  a: TensorInfo,
  b: TensorInfo,
  backend: HostBackend,
): TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const route = axisBroadcast(a.shape, b.shape);
  if (route == null) return null;
  const [big, small] = route.big === 'a' ? [a, b] : [b, a];
  const bigValues = backend.readSync(big.dataId);
  const smallValues = backend.readSync(small.dataId);
  if (!(bigValues instanceof Float32Array) || !(smallValues instanceof Float32Array)) return null;
  const out = addAlongAxis(bigValues, smallValues, route.channels, route.inner);
  return writeTensor(backend, big.shape.slice(), 'float32', out);
}
