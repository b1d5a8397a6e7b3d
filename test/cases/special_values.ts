// ±Infinity and NaN in each operand (x, the filter, dy, the bias, the PReLU weights), through
// every kernel (the forward convolution, both of its gradients, the fused convolution, the max
// pool, its gradient and its gather), against the float64 reference: every output must be
// non-finite exactly where the reference's is (the same infinity, or NaN) and close elsewhere.
//
// The special values sit at the operand's first and last elements, which meet the padding (the
// filter's corner taps at the image's corners, dy's corner positions whose windows hang over the
// edge), and at one element drawn by the seed. A tap that lies in the padding contributes
// nothing: it is not 0 times the operand, which would be NaN for an infinite one. Where tfjs's
// own kernel differs (its webgl Conv2D gives NaN for an infinite filter tap with padding), the
// reference decides.

import * as tf from '@tensorflow/tfjs-core';

import {convGeometry, poolGeometry, sizeOf} from '../../kernels/geometry';
import type {ConvAttrs, PoolAttrs} from '../../kernels/names';
import * as names from '../../kernels/names';
import {
  conv2dBackpropFilterReference,
  conv2dBackpropInputReference,
  conv2dReference,
} from '../../kernels/reference/conv2d';
import {
  maxPoolGatherReference,
  maxPoolGradReference,
  maxPoolReference,
} from '../../kernels/reference/max_pool';
import {expectClose} from '../helpers/close';
import {rng, uniform} from '../helpers/random';
import type {CaseResult} from './bodies';
import {activate, expand} from './fused';
import type {ConvCase} from './sweeps';
import {convCaseName} from './sweeps';

export type Operand = 'x' | 'filter' | 'dy' | 'bias' | 'prelu';
export const OPERANDS: Operand[] = ['x', 'filter', 'dy', 'bias', 'prelu'];

export interface SpecialValuesCase extends ConvCase {
  operand: Operand;
  /** the values put at the operand's first, last and drawn element */
  specials: [number, number, number];
}

function conv(xShape: number[], filterShape: number[], a: Partial<ConvAttrs>): ConvCase {
  const attrs: ConvAttrs = {strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, ...a};
  const inC = attrs.dataFormat === 'NHWC' ? xShape[3] : xShape[1];
  const groups = inC / filterShape[2];
  return {
    name: convCaseName(xShape, filterShape, attrs, groups, JSON.stringify(attrs.pad)),
    xShape,
    filterShape,
    attrs,
    groups,
    seed: 8000 + (xShape.reduce((p, q) => p * 7 + q, 0) % 991),
  };
}

/** Geometries on both sides of each fast path's dispatch, on cpu and webgl. */
export const SPECIAL_VALUE_GEOMETRIES: ConvCase[] = [
  conv([1, 3, 3, 1], [3, 3, 1, 1], {}), // one channel, 'same'
  conv([2, 6, 7, 3], [3, 3, 3, 4], {}), // dx as a convolution of dy
  conv([1, 6, 6, 1], [5, 5, 1, 2], {pad: 'valid'}), // no padding forward; dy padded for dx
  conv([1, 7, 7, 2], [3, 3, 2, 4], {strides: 2}), // stride 2: dx as col2im
  conv([1, 8, 8, 4], [3, 3, 2, 6], {pad: 1}), // groups 2
  conv([1, 7, 9, 2], [3, 2, 2, 3], {
    dilations: 2,
    pad: [
      [0, 0],
      [2, 1],
      [0, 3],
      [0, 0],
    ],
  }),
  conv([1, 2, 6, 7], [3, 3, 2, 2], {dataFormat: 'NCHW'}),
  conv([1, 5, 6, 8], [3, 3, 8, 8], {}), // webgl's packed inputs
  conv([2, 9, 9, 16], [3, 3, 16, 8], {strides: [1, 2]}), // cpu's windows in place
];

const SPECIALS: [number, number, number][] = [
  [Infinity, -Infinity, Infinity],
  [-Infinity, Infinity, NaN],
];

export function specialValueCases(
  geometries: ConvCase[] = SPECIAL_VALUE_GEOMETRIES,
): SpecialValuesCase[] {
  const cases: SpecialValuesCase[] = [];
  geometries.forEach((c, i) =>
    OPERANDS.forEach((operand, j) => {
      const specials = SPECIALS[(i + j) % SPECIALS.length];
      cases.push({
        ...c,
        name: `${operand}=${specials.join(',')} ${c.name}`,
        operand,
        specials,
        seed: c.seed + j,
      });
    }),
  );
  return cases;
}

function withSpecials(values: Float32Array, c: SpecialValuesCase, operand: Operand): Float32Array {
  if (operand !== c.operand) return values;
  const drawn = Math.floor(rng(c.seed)() * values.length);
  values[drawn] = c.specials[2];
  values[0] = c.specials[0];
  values[values.length - 1] = c.specials[1];
  return values;
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap);

export async function specialValuesCase(c: SpecialValuesCase, rtol: number): Promise<CaseResult> {
  const g = convGeometry(c.xShape, c.filterShape, c.attrs);
  const poolAttrs: PoolAttrs = {
    filterSize: [c.filterShape[0], c.filterShape[1]],
    strides: c.attrs.strides,
    pad: c.attrs.pad,
    dilations: c.attrs.dilations,
    dataFormat: c.attrs.dataFormat,
  };
  const pg = poolGeometry(c.xShape, poolAttrs);
  const x = withSpecials(uniform(sizeOf(c.xShape), c.seed), c, 'x');
  const w = withSpecials(uniform(sizeOf(c.filterShape), c.seed + 1), c, 'filter');
  const dy = withSpecials(uniform(sizeOf(g.outShape), c.seed + 2), c, 'dy');
  const bias = withSpecials(uniform(g.outChannels, c.seed + 3), c, 'bias');
  const prelu = withSpecials(uniform(g.outChannels, c.seed + 4), c, 'prelu');
  const poolDy = withSpecials(uniform(sizeOf(pg.outShape), c.seed + 5), c, 'dy');
  const before = tf.memory().numTensors;
  const t = {
    x: tf.tensor(x, c.xShape),
    w: tf.tensor(w, c.filterShape),
    dy: tf.tensor(dy, g.outShape),
    bias: tf.tensor(bias, [g.outChannels]),
    prelu: tf.tensor(prelu, [g.outChannels]),
    poolDy: tf.tensor(poolDy, pg.outShape),
  };
  const [pooled, argmax] = run(names.HandmadeMaxPool, {x: t.x}, poolAttrs) as tf.Tensor[];
  const outs = [
    run(names.HandmadeConv2D, {x: t.x, filter: t.w}, c.attrs),
    run(
      names.HandmadeConv2DBackpropInput,
      {dy: t.dy, filter: t.w},
      {...c.attrs, inputShape: c.xShape},
    ),
    run(
      names.HandmadeConv2DBackpropFilter,
      {x: t.x, dy: t.dy},
      {...c.attrs, filterShape: c.filterShape},
    ),
    run(
      names.HandmadeFusedConv2D,
      {x: t.x, filter: t.w, bias: t.bias, preluActivationWeights: t.prelu},
      {...c.attrs, activation: 'prelu'},
    ),
    run(
      names.HandmadeFusedConv2D,
      {x: t.x, filter: t.w, bias: t.bias},
      {...c.attrs, activation: 'relu'},
    ),
    pooled,
    argmax,
    run(names.HandmadeMaxPoolGrad, {dy: t.poolDy, argmax}, {...poolAttrs, inputShape: c.xShape}),
    run(names.HandmadeMaxPoolGather, {x: t.x, argmax}, poolAttrs),
  ] as tf.Tensor[];
  const [y, dx, dW, yPrelu, yRelu, yPool, argmaxPool, dxPool, gathered] = await Promise.all(
    outs.map((o) => o.data()),
  );
  tf.dispose([...Object.values(t), ...outs]);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${c.name}: ${after - before} tensors leaked`);

  const yRef = conv2dReference(x, w, g);
  const fullBias = expand(bias, [g.outChannels], g);
  const fullPrelu = expand(prelu, [g.outChannels], g);
  const fusedRef = (activation: 'prelu' | 'relu') =>
    yRef.map((v, i) => activate(v + fullBias[i], {activation, leakyreluAlpha: 0.2}, fullPrelu[i]));
  const pool = maxPoolReference(x, pg);
  return {
    errors: {
      y: expectClose(y, yRef, g.outShape, rtol, 'y').relErr,
      dx: expectClose(dx, conv2dBackpropInputReference(dy, w, g), g.inShape, rtol, 'dx').relErr,
      dW: expectClose(dW, conv2dBackpropFilterReference(x, dy, g), g.filterShape, rtol, 'dW')
        .relErr,
      prelu: expectClose(yPrelu, fusedRef('prelu'), g.outShape, rtol, 'fused prelu').relErr,
      relu: expectClose(yRelu, fusedRef('relu'), g.outShape, rtol, 'fused relu').relErr,
      pool: expectClose(yPool, pool.y, pg.outShape, rtol, 'max pool').relErr,
      argmax: expectClose(argmaxPool, pool.argmax, pg.outShape, 0, 'argmax').relErr,
      poolDx: expectClose(
        dxPool,
        maxPoolGradReference(poolDy, pool.argmax, pg),
        pg.inShape,
        rtol,
        'max pool dx',
      ).relErr,
      gathered: expectClose(
        gathered,
        maxPoolGatherReference(x, pool.argmax, pg),
        pg.outShape,
        rtol,
        'max pool gather',
      ).relErr,
    },
  };
}
