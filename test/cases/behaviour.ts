// Case bodies beyond "kernel vs reference", run on whatever backend is active: the program cache
// (a kernel run twice gives the same bits), no leaks through the public ops and their gradients,
// the public ops against tfjs's own kernels, and max-pool gradients on inputs with ties.

import * as tf from '@tensorflow/tfjs-core';

import {convGeometry, poolGeometry, sizeOf} from '../../kernels/geometry';
import type {Pair} from '../../kernels/names';
import * as names from '../../kernels/names';
import {maxPoolGradReference, maxPoolReference} from '../../kernels/reference/max_pool';
import type {WebGLBackend} from '../../kernels/webgl/backend';
import {packedTexelWidth} from '../../kernels/webgl/backend';
import {pointwiseBlocksDraws} from '../../kernels/webgl/pointwise_blocks';
import * as hm from '../../src/index';
import {expectClose} from '../helpers/close';
import {distinct, uniform} from '../helpers/random';
import type {CaseResult} from './bodies';
import type {ConvCase, PoolCase} from './sweeps';

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap);

async function readAll(ts: tf.Tensor[]): Promise<number[][]> {
  const values = await Promise.all(ts.map((t) => t.data()));
  tf.dispose(ts);
  return values.map((v) => Array.from(v));
}

function sameBits(first: number[][], second: number[][], label: string): void {
  first.forEach((a, k) =>
    a.forEach((v, i) => {
      if (!Object.is(v, second[k][i])) {
        throw new Error(`${label}: output ${k} element ${i} is ${v}, then ${second[k][i]}`);
      }
    }),
  );
}

/** The three conv kernels and the fused one, each run twice on the same inputs. */
export async function repeatConvCase(c: ConvCase): Promise<void> {
  const g = convGeometry(c.xShape, c.filterShape, c.attrs);
  const x = tf.tensor(uniform(sizeOf(c.xShape), c.seed), c.xShape);
  const w = tf.tensor(uniform(sizeOf(c.filterShape), c.seed + 1), c.filterShape);
  const dy = tf.tensor(uniform(sizeOf(g.outShape), c.seed + 2), g.outShape);
  const bias = tf.tensor(uniform(g.outChannels, c.seed + 3), [g.outChannels]);
  const once = () =>
    readAll([
      run(names.HandmadeConv2D, {x, filter: w}, c.attrs),
      run(names.HandmadeConv2DBackpropInput, {dy, filter: w}, {...c.attrs, inputShape: c.xShape}),
      run(names.HandmadeConv2DBackpropFilter, {x, dy}, {...c.attrs, filterShape: c.filterShape}),
      run(names.HandmadeFusedConv2D, {x, filter: w, bias}, {...c.attrs, activation: 'elu'}),
    ] as tf.Tensor[]);
  sameBits(await once(), await once(), c.name);
  tf.dispose([x, w, dy, bias]);
}

/** The three max-pool kernels, each run twice on the same inputs. */
export async function repeatPoolCase(c: PoolCase): Promise<void> {
  const g = poolGeometry(c.xShape, c.attrs);
  const x = tf.tensor(distinct(sizeOf(c.xShape), c.seed), c.xShape);
  const dy = tf.tensor(uniform(sizeOf(g.outShape), c.seed + 1), g.outShape);
  const once = async () => {
    const [y, argmax] = run(names.HandmadeMaxPool, {x}, c.attrs) as tf.Tensor[];
    const dx = run(names.HandmadeMaxPoolGrad, {dy, argmax}, {...c.attrs, inputShape: c.xShape});
    const gathered = run(names.HandmadeMaxPoolGather, {x, argmax}, c.attrs);
    return readAll([y, argmax, dx as tf.Tensor, gathered as tf.Tensor]);
  };
  sameBits(await once(), await once(), c.name);
  tf.dispose([x, dy]);
}

interface Usage {
  numTensors: number;
  numBytesInGPU?: number;
}

function usage(): Usage {
  const m = tf.memory() as tf.MemoryInfo & {numBytesInGPU?: number};
  return {numTensors: m.numTensors, numBytesInGPU: m.numBytesInGPU};
}

/** Each public op and its gradients leave tf.memory() where it was. Returns the labels checked. */
export async function leakChecks(): Promise<string[]> {
  const x = tf.tensor(uniform(2 * 7 * 6 * 4, 1), [2, 7, 6, 4]) as tf.Tensor4D;
  const w = tf.tensor(uniform(3 * 3 * 2 * 6, 2), [3, 3, 2, 6]) as tf.Tensor4D; // groups 2
  const bias = tf.tensor(uniform(6, 3), [6]);
  const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => hm.conv2d(a, b, 2, 'same', 'NHWC', 1);
  const pool = (a: tf.Tensor4D) => hm.maxPool(a, 3, 2, 'same');
  const fused = (a: tf.Tensor4D, b: tf.Tensor4D) =>
    hm.fused.conv2d({x: a, filter: b, strides: 1, pad: 1, bias, activation: 'relu'});
  const checks: [string, () => tf.Tensor[]][] = [
    ['hm.conv2d', () => [conv(x, w)]],
    ['hm.maxPool', () => [pool(x)]],
    ['hm.fused.conv2d', () => [fused(x, w)]],
    [
      'tf.grads(hm.conv2d)',
      () => tf.grads((a, b) => tf.sum(conv(a as tf.Tensor4D, b as tf.Tensor4D)))([x, w]),
    ],
    ['tf.grads(hm.maxPool)', () => tf.grads((a) => tf.sum(pool(a as tf.Tensor4D)))([x])],
    [
      'tf.grads(hm.fused.conv2d)',
      () => tf.grads((a, b) => tf.sum(fused(a as tf.Tensor4D, b as tf.Tensor4D)))([x, w]),
    ],
  ];
  for (const [label, body] of checks) {
    // The first round may upload the inputs to the GPU, which adds bytes that are not a leak;
    // the second runs with the inputs resident and must leave both counts where they were.
    for (const round of [0, 1]) {
      const before = usage();
      await readAll(body());
      const after = usage();
      if (
        after.numTensors !== before.numTensors ||
        (round === 1 && after.numBytesInGPU !== before.numBytesInGPU)
      ) {
        throw new Error(`${label} leaked: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
      }
    }
  }
  tf.dispose([x, w, bias]);
  return checks.map(([label]) => label);
}

/** hm.conv2d and its gradients against tf.conv2d's (NHWC, groups 1, no dilation). */
export async function builtinConvCase(c: ConvCase, rtol: number): Promise<CaseResult> {
  const x = tf.tensor4d(
    uniform(sizeOf(c.xShape), c.seed),
    c.xShape as [number, number, number, number],
  );
  const w = tf.tensor4d(
    uniform(sizeOf(c.filterShape), c.seed + 1),
    c.filterShape as [number, number, number, number],
  );
  const a = c.attrs;
  const pad = a.pad as Parameters<typeof tf.conv2d>[3];
  const mine = (p: tf.Tensor4D, q: tf.Tensor4D) =>
    hm.conv2d(p, q, a.strides, a.pad, 'NHWC', a.dilations, a.dimRoundingMode);
  const theirs = (p: tf.Tensor4D, q: tf.Tensor4D) =>
    tf.conv2d(p, q, a.strides, pad, 'NHWC', a.dilations, a.dimRoundingMode);
  // A weighted sum, so that the gradients see a dy that is not all ones.
  const loss = (f: typeof mine) => (p: tf.Tensor, q: tf.Tensor) => {
    const y = f(p as tf.Tensor4D, q as tf.Tensor4D);
    return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(0, y.size), y.shape))));
  };
  const [y1, dx1, dW1] = await readAll([mine(x, w), ...tf.grads(loss(mine))([x, w])]);
  const [y2, dx2, dW2] = await readAll([theirs(x, w), ...tf.grads(loss(theirs))([x, w])]);
  tf.dispose([x, w]);
  return {
    errors: {
      y: expectClose(y1, y2, [y2.length], rtol, 'y').relErr,
      dx: expectClose(dx1, dx2, c.xShape, rtol, 'dx').relErr,
      dW: expectClose(dW1, dW2, c.filterShape, rtol, 'dW').relErr,
    },
  };
}

/** hm.maxPool and its gradient against tf.maxPool's, on distinct inputs (no ties). */
export async function builtinPoolCase(c: PoolCase, rtol: number): Promise<CaseResult> {
  const x = tf.tensor4d(
    distinct(sizeOf(c.xShape), c.seed),
    c.xShape as [number, number, number, number],
  );
  const a = c.attrs;
  const pad = a.pad as Parameters<typeof tf.maxPool>[3];
  const mine = (p: tf.Tensor) =>
    hm.maxPool(p as tf.Tensor4D, a.filterSize, a.strides, a.pad, a.dimRoundingMode);
  const theirs = (p: tf.Tensor) =>
    tf.maxPool(p as tf.Tensor4D, a.filterSize, a.strides, pad, a.dimRoundingMode);
  const loss = (f: typeof mine) => (p: tf.Tensor) => {
    const y = f(p);
    return tf.sum(tf.mul(y, tf.cos(tf.reshape(tf.range(0, y.size), y.shape))));
  };
  const [y1, dx1] = await readAll([mine(x), tf.grad(loss(mine))(x)]);
  const [y2, dx2] = await readAll([theirs(x), tf.grad(loss(theirs))(x)]);
  tf.dispose(x);
  return {
    errors: {
      y: expectClose(y1, y2, [y2.length], rtol, 'y').relErr,
      dx: expectClose(dx1, dx2, c.xShape, rtol, 'dx').relErr,
    },
  };
}

/** A max-pool input full of ties: constant windows and ReLU zeros, [1, 6, 6, 2]. */
export function tieInput(): {values: number[]; shape: number[]} {
  const shape = [1, 6, 6, 2];
  const values = Array.from({length: sizeOf(shape)}, (_, i) =>
    i % 2 === 0 ? 0.5 : Math.max(0, Math.sin(i * 1.7)),
  ); // channel 0 constant, 1 with zeros
  return {values, shape};
}

/** dx of sum(maxPool(x) * weights) on the tie input, on the active backend, with the handmade
 *  op or tfjs's built-in one. */
export async function tieGradients(
  which: 'handmade' | 'builtin',
  window: Pair,
  strides: Pair,
): Promise<number[]> {
  const {values, shape} = tieInput();
  const x = tf.tensor4d(values, shape as [number, number, number, number]);
  const pool = (p: tf.Tensor) =>
    which === 'handmade'
      ? hm.maxPool(p as tf.Tensor4D, window, strides, 'valid')
      : tf.maxPool(p as tf.Tensor4D, window, strides, 'valid');
  const dx = tf.grad((p: tf.Tensor) => {
    const y = pool(p);
    return tf.sum(tf.mul(y, tf.add(tf.reshape(tf.range(0, y.size), y.shape), 1)));
  })(x);
  const [out] = await readAll([dx]);
  x.dispose();
  return out;
}

/** The max-pool kernels on an input holding NaN, ±Infinity and a window of NaN only, against
 *  the reference: NaN never wins, -Infinity never beats the empty start, an all-NaN window gives
 *  y = -Infinity and argmax -1. [1, 4, 6, 2] NHWC, 2x2 windows, stride 2. */
export async function specialValuesPoolCase(rtol: number): Promise<CaseResult> {
  const c: PoolCase = {
    name: 'special values',
    xShape: [1, 4, 6, 2],
    seed: 77,
    attrs: {filterSize: 2, strides: 2, pad: 'valid', dataFormat: 'NHWC'},
  };
  const g = poolGeometry(c.xShape, c.attrs);
  const x = distinct(sizeOf(c.xShape), c.seed);
  const at = (r: number, col: number, d: number) => (r * 6 + col) * 2 + d;
  x[at(0, 0, 0)] = NaN; // a NaN before the maximum
  x[at(1, 1, 0)] = NaN; // and after it
  x[at(0, 2, 1)] = Infinity; // +Infinity wins
  x[at(0, 4, 0)] = -Infinity; // -Infinity among numbers
  for (const [r, col] of [
    [2, 0],
    [2, 1],
    [3, 0],
    [3, 1],
  ])
    x[at(r, col, 1)] = NaN; // all NaN
  for (const [r, col] of [
    [2, 2],
    [2, 3],
    [3, 2],
    [3, 3],
  ])
    x[at(r, col, 0)] = -Infinity;
  x[at(2, 4, 1)] = NaN; // NaN and -Infinity only
  for (const [r, col] of [
    [2, 5],
    [3, 4],
    [3, 5],
  ])
    x[at(r, col, 1)] = -Infinity;
  const ref = maxPoolReference(x, g);
  const dy = uniform(sizeOf(g.outShape), c.seed + 1);
  const xt = tf.tensor(x, c.xShape);
  const dyt = tf.tensor(dy, g.outShape);
  const [yt, argmaxt] = run(names.HandmadeMaxPool, {x: xt}, c.attrs) as tf.Tensor[];
  const dxt = run(
    names.HandmadeMaxPoolGrad,
    {dy: dyt, argmax: argmaxt},
    {...c.attrs, inputShape: c.xShape},
  ) as tf.Tensor;
  const [y, argmax, dx] = await readAll([yt, argmaxt, dxt]);
  tf.dispose([xt, dyt]);
  return {
    errors: {
      y: expectClose(y, ref.y, g.outShape, 0, 'y').relErr,
      argmax: expectClose(argmax, ref.argmax, g.outShape, 0, 'argmax').relErr,
      dx: expectClose(dx, maxPoolGradReference(dy, ref.argmax, g), g.inShape, rtol, 'dx').relErr,
    },
  };
}

/** ±Infinity through the active backend: tfjs's own tf.neg on a tensor big enough to run on the
 *  GPU, and the handmade max pool's y on a window that lies wholly in the padding (-Infinity on
 *  cpu and with float32 textures). Returned as strings, which survive the trip to jest. */
export async function infinityRoundTrip(): Promise<{neg: string[]; emptyWindow: string}> {
  const v = new Float32Array(1024).fill(3);
  v[0] = -Infinity;
  v[1] = Infinity;
  const t = tf.tensor(v);
  const x = tf.tensor4d(distinct(16, 5), [1, 4, 4, 1]);
  const [neg, y] = await readAll([tf.neg(t), hm.maxPool(x, 1, 1, 1)]);
  tf.dispose([t, x]);
  return {neg: neg.slice(0, 2).map(String), emptyWindow: String(y[0])};
}

/** The fused conv with inputs that come out of a packed-texture op (tf.matMul, on webgl) gives
 *  the same values as with freshly uploaded ones: the unpacked programs and the flattened bias
 *  and PReLU weights must not depend on how their inputs are stored. Returns the max difference. */
export async function packedInputsCase(): Promise<number> {
  const x = tf.tensor4d(uniform(2 * 5 * 5 * 3, 11), [2, 5, 5, 3]);
  const w = tf.tensor4d(uniform(3 * 3 * 3 * 4, 12), [3, 3, 3, 4]);
  const bias = tf.tensor1d(uniform(4, 13));
  const prelu = tf.tensor3d(uniform(5 * 4, 14), [5, 1, 4]);
  const viaMatMul = (t: tf.Tensor) =>
    // the same values, produced as a packed texture
    tf.reshape(tf.matMul(tf.ones([1, 1]), tf.reshape(t, [1, t.size])), t.shape);
  const fused = (p: tf.Tensor[]) =>
    hm.fused.conv2d({
      x: p[0] as tf.Tensor4D,
      filter: p[1] as tf.Tensor4D,
      strides: 1,
      pad: 'same',
      bias: p[2],
      activation: 'prelu',
      preluActivationWeights: p[3],
    });
  const plain = [x, w, bias, prelu];
  const packed = plain.map(viaMatMul);
  const [a, b] = await readAll([fused(plain), fused(packed)]);
  tf.dispose([...plain, ...packed]);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

/** How a test tensor reaches the packed-input program: uploaded from values, as an unpacked
 *  texture, or as a view (a free reshape) of a packed 2-D texture. */
type TextureSource = 'upload' | 'unpacked' | 'view';
const TEXTURE_SOURCES: TextureSource[] = ['upload', 'unpacked', 'view'];

function fromSource(values: Float32Array, shape: number[], source: TextureSource): tf.Tensor {
  if (source === 'upload') return tf.tensor(values, shape);
  if (source === 'view') {
    return tf.tidy(() => {
      const rows = tf.tensor2d(values, [sizeOf(shape) / shape[3], shape[3]]);
      return tf.reshape(tf.add(rows, 0), shape); // add: a packed texture of the 2-D shape
    });
  }
  const gl = tf.backend() as unknown as WebGLRunner;
  const values4d = tf.tensor(values, shape);
  const copy = gl.runWebGLProgram(
    {
      variableNames: ['A'],
      outputShape: shape,
      packedInputs: false,
      packedOutput: false,
      enableShapeUniforms: false,
      userCode: 'void main() { setOutput(getAAtOutCoords()); }',
    },
    [values4d],
    'float32',
  );
  values4d.dispose();
  return tf.engine().makeTensorFromTensorInfo(copy);
}

/** What the packed-input program (kernels/webgl/programs/conv2d_packed_inputs_program.ts) and the
 *  product over columns read where x and W lie in textures other than their natural ones:
 *  under a small WEBGL_MAX_TEXTURE_SIZE tfjs lays them out squarified or as [B, H*W*C]. For a
 *  1x1 and a 3x3 convolution (fused, with its input gradient on the same program), with x and W
 *  from each TextureSource: the widths backend.ts's packedTexelWidth predicts against those the
 *  shader sees, and the largest difference from the same calls on natural textures. */
export async function textureShapesCase(): Promise<{
  predicted: number[];
  seen: number[];
  natural: boolean[];
  maxDiff: number;
}> {
  const gl = tf.backend() as unknown as WebGLRunner & WebGLBackend;
  const shapes: [number[], number[]][] = [
    [
      [1, 10, 10, 8],
      [1, 1, 8, 8],
    ],
    // 16 input channels: where the textures lie in their natural shapes, the 1x1 product as
    // quarters of y (kernels/webgl/pointwise_blocks.ts)
    [
      [1, 8, 6, 16],
      [1, 1, 16, 8],
    ],
    [
      [2, 6, 6, 10],
      [3, 3, 10, 8],
    ],
    // three input channels: the product over columns (conv2d_columns_program.ts), whose columns
    // texture is squarified too
    [
      [1, 10, 10, 3],
      [3, 3, 3, 4],
    ],
  ];
  const values = shapes.map(([xs, ws], i) => [
    uniform(sizeOf(xs), 40 + i),
    uniform(sizeOf(ws), 50 + i),
    uniform(ws[3], 60 + i),
  ]);
  const calls = async (source: TextureSource): Promise<number[][]> => {
    const outs: tf.Tensor[] = [];
    for (const [i, [xs, ws]] of shapes.entries()) {
      const [xv, wv, bv] = values[i];
      const x = fromSource(xv, xs, source) as tf.Tensor4D;
      const w = fromSource(wv, ws, source) as tf.Tensor4D;
      const bias = tf.tensor1d(bv);
      const f = (a: tf.Tensor4D) =>
        hm.fused.conv2d({x: a, filter: w, strides: 1, pad: 'same', bias, activation: 'relu'});
      outs.push(f(x), tf.grad((a: tf.Tensor) => tf.sum(tf.square(f(a as tf.Tensor4D))))(x));
      tf.dispose([x, w, bias]);
    }
    return readAll(outs);
  };
  const predicted: number[] = [];
  const seen: number[] = [];
  const natural: boolean[] = [];
  const widths = (source: TextureSource) => {
    for (const [i, [xs, ws]] of shapes.entries()) {
      for (const [v, shape] of [
        [values[i][0], xs],
        [values[i][1], ws],
      ] as const) {
        const t = fromSource(v, shape, source);
        predicted.push(packedTexelWidth(gl, t));
        const probe = gl.runWebGLProgram(
          {
            variableNames: ['A'],
            outputShape: [1],
            packedInputs: true,
            enableShapeUniforms: false,
            userCode: 'void main() { setOutput(float(textureSize(A, 0).x)); }',
          },
          [t],
          'float32',
        );
        seen.push(gl.readSync(probe.dataId)[0]);
        natural.push(predicted[predicted.length - 1] === Math.ceil(shape[3] / 2));
        gl.disposeIntermediateTensorInfo(probe);
        t.dispose();
      }
    }
  };
  const expected = await calls('upload');
  const saved = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
  tf.env().set('WEBGL_MAX_TEXTURE_SIZE', 32);
  let maxDiff = 0;
  try {
    for (const source of TEXTURE_SOURCES) {
      const got = await calls(source);
      for (const [i, v] of got.entries()) {
        for (const [j, a] of v.entries()) maxDiff = Math.max(maxDiff, Math.abs(a - expected[i][j]));
      }
      widths(source);
    }
  } finally {
    tf.env().set('WEBGL_MAX_TEXTURE_SIZE', saved);
  }
  return {predicted, seen, natural, maxDiff};
}

interface WebGLRunner {
  runWebGLProgram(
    p: object,
    inputs: tf.TensorInfo[],
    dtype: 'float32',
    uniforms?: number[][],
  ): tf.TensorInfo;
  readSync(dataId: object): Float32Array;
  disposeIntermediateTensorInfo(t: tf.TensorInfo): void;
}

/** `values` as a packed NHWC webgl texture whose lanes past the last column and channel hold NaN
 *  (where a packed tfjs op may leave anything): what a kernel computes must not depend on them,
 *  not even through 0 * NaN. */
function withNaNPadding(values: Float32Array, shape: number[]): tf.Tensor {
  const gl = tf.backend() as unknown as WebGLRunner;
  const [, , w, c] = shape;
  const clean = tf.tensor(values, shape);
  const dirty = gl.runWebGLProgram(
    {
      variableNames: ['A'],
      outputShape: shape,
      packedInputs: true,
      packedOutput: true,
      enableShapeUniforms: false,
      customUniforms: [{name: 'nan', type: 'float'}],
      userCode: `void main() {
      ivec4 o = getOutputCoords();
      vec4 v = getAAtOutCoords();
      bool column = o.z + 1 >= ${w};
      bool channel = o.w + 1 >= ${c};
      setOutput(vec4(v.x, channel ? nan : v.y, column ? nan : v.z, column || channel ? nan : v.w));
    }`,
    },
    [clean],
    'float32',
    [[NaN]],
  );
  clean.dispose();
  return tf.engine().makeTensorFromTensorInfo(dirty);
}

/** Values in lanes past a packed NHWC texture's edges: past the last channel (channels odd)
 *  and past the last column (width odd). */
function paddingLanes(t: tf.Tensor): number[] {
  const gl = tf.backend() as unknown as WebGLRunner;
  const [, , w, c] = t.shape as number[];
  const reads: string[] = [];
  if (c % 2 === 1) reads.push(`getA(0, 0, 0, ${c - 1}).y`); // (column 0, channel c)
  if (w % 2 === 1) reads.push(`getA(0, 0, ${w - 1}, 0).z`); // (column w, channel 0)
  return reads.map((read) => {
    const probe = gl.runWebGLProgram(
      {
        variableNames: ['A'],
        outputShape: [1],
        packedInputs: true,
        enableShapeUniforms: false,
        userCode: `void main() { setOutput(${read}); }`,
      },
      [t],
      'float32',
    );
    const value = gl.readSync(probe.dataId)[0];
    gl.disposeIntermediateTensorInfo(probe);
    return value;
  });
}

/**
 * The conv kernels on packed webgl inputs whose lanes past the tensor's edges hold NaN
 * (withNaNPadding), against the same values uploaded afresh: the outputs must be the same bits.
 * NHWC only. Returns the largest difference over every output, and the padding values seen in
 * the inputs (to show they were dirty).
 */
export async function dirtyPaddingCase(c: ConvCase): Promise<{maxDiff: number; padding: number[]}> {
  const g = convGeometry(c.xShape, c.filterShape, c.attrs);
  const values = [
    uniform(sizeOf(c.xShape), c.seed),
    uniform(sizeOf(c.filterShape), c.seed + 1),
    uniform(sizeOf(g.outShape), c.seed + 2),
  ];
  const shapes = [c.xShape, c.filterShape, g.outShape];
  const inputs = values.map((v, i) => withNaNPadding(v, shapes[i]));
  const padding = inputs.flatMap(paddingLanes);
  const fresh = values.map((v, i) => tf.tensor(v, shapes[i]));
  const kernels = ([x, w, dy]: tf.Tensor[]) =>
    [
      run(names.HandmadeConv2D, {x, filter: w}, c.attrs),
      run(names.HandmadeConv2DBackpropInput, {dy, filter: w}, {...c.attrs, inputShape: c.xShape}),
      run(names.HandmadeConv2DBackpropFilter, {x, dy}, {...c.attrs, filterShape: c.filterShape}),
    ] as tf.Tensor[];
  const a = await readAll(kernels(inputs));
  const b = await readAll(kernels(fresh));
  tf.dispose([...inputs, ...fresh]);
  return {maxDiff: maxDifference(a, b), padding};
}

function maxDifference(a: number[][], b: number[][]): number {
  let maxDiff = 0;
  a.forEach((values, k) =>
    values.forEach((v, i) => {
      const d = Object.is(v, b[k][i]) ? 0 : Math.abs(v - b[k][i]) || Infinity;
      maxDiff = Math.max(maxDiff, d);
    }),
  );
  return maxDiff;
}

/** dirtyPaddingCase for the three max-pool kernels (NHWC): x and dy dirty, argmax from x. */
export async function dirtyPaddingPoolCase(
  c: PoolCase,
): Promise<{maxDiff: number; padding: number[]}> {
  const g = poolGeometry(c.xShape, c.attrs);
  const values = [distinct(sizeOf(c.xShape), c.seed), uniform(sizeOf(g.outShape), c.seed + 1)];
  const shapes = [c.xShape, g.outShape];
  const inputs = values.map((v, i) => withNaNPadding(v, shapes[i]));
  const padding = inputs.flatMap(paddingLanes);
  const fresh = values.map((v, i) => tf.tensor(v, shapes[i]));
  const kernels = ([x, dy]: tf.Tensor[]) => {
    const [y, argmax] = run(names.HandmadeMaxPool, {x}, c.attrs) as tf.Tensor[];
    const dx = run(names.HandmadeMaxPoolGrad, {dy, argmax}, {...c.attrs, inputShape: c.xShape});
    const gathered = run(names.HandmadeMaxPoolGather, {x, argmax}, c.attrs);
    return [y, argmax, dx as tf.Tensor, gathered as tf.Tensor];
  };
  const a = await readAll(kernels(inputs));
  const b = await readAll(kernels(fresh));
  tf.dispose([...inputs, ...fresh]);
  return {maxDiff: maxDifference(a, b), padding};
}

/** The 1x1 product as quarters of y (kernels/webgl/pointwise_blocks.ts), fused with a bias and
 *  relu6 as MobileNets run it, against tfjs's own FusedConv2D: the product passes it drew, the
 *  bytes of textures tfjs counts before and after repeated calls (the quarters are released at
 *  each call's end), and the largest differences, of the repeated calls and of a call compiled
 *  first under ENGINE_COMPILE_ONLY (tfjs's warm-up that compiles every program of a model without
 *  running it) and then run. */
export async function pointwiseBlocksCase(): Promise<{
  draws: number;
  bytes: [number, number];
  maxDiff: number;
  compiledFirstDiff: number;
}> {
  const gl = tf.backend() as unknown as WebGLBackend;
  const make = (xShape: number[], outC: number, seed: number) => ({
    x: tf.tensor4d(uniform(sizeOf(xShape), seed), xShape as [number, number, number, number]),
    w: tf.tensor4d(uniform(xShape[3] * outC, seed + 1), [1, 1, xShape[3], outC]),
    bias: tf.tensor1d(uniform(outC, seed + 2)),
  });
  const conv = (f: typeof tf.fused.conv2d, t: ReturnType<typeof make>) =>
    f({x: t.x, filter: t.w, strides: 1, pad: 'valid', bias: t.bias, activation: 'relu6'});
  const diff = async (t: ReturnType<typeof make>) => {
    const [a, b] = await readAll([conv(hm.fused.conv2d, t), conv(tf.fused.conv2d, t)]);
    return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  };

  // odd texture sizes (9 x 3 texel rows, 11 texel columns) and 20 texels of input channels (a
  // loop of 4 steps and its rest)
  const t = make([1, 9, 5, 40], 22, 70);
  const draws = pointwiseBlocksDraws();
  conv(hm.fused.conv2d, t).dispose(); // uploads the operands
  // the webgl backend's memory() adds numBytesInGPU
  const gpuBytes = () => (tf.memory() as tf.MemoryInfo & {numBytesInGPU: number}).numBytesInGPU;
  const before = gpuBytes();
  for (let i = 0; i < 3; i++) conv(hm.fused.conv2d, t).dispose();
  const after = gpuBytes();
  const maxDiff = await diff(t);

  // a count of input texels not compiled before (23)
  const c = make([2, 4, 6, 46], 8, 80);
  // on the GPU first, packed: under ENGINE_COMPILE_ONLY tfjs compiles its upload without running it
  for (const operand of [c.x, c.w, c.bias]) packedTexelWidth(gl, operand);
  tf.env().set('ENGINE_COMPILE_ONLY', true);
  try {
    conv(hm.fused.conv2d, c).dispose();
    gl.checkCompileCompletion();
    gl.getUniformLocations();
  } finally {
    tf.env().set('ENGINE_COMPILE_ONLY', false);
  }
  const compiledFirstDiff = await diff(c);
  const result = {
    draws: pointwiseBlocksDraws() - draws,
    bytes: [before, after] as [number, number],
    maxDiff,
    compiledFirstDiff,
  };
  tf.dispose([t.x, t.w, t.bias, c.x, c.w, c.bias]);
  return result;
}
