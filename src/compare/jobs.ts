// The jobs of a case: each handmade kernel as one kernel call, the built-in kernel of the same job
// on the active backend (where tfjs has one for this geometry), and the float64 reference.
//
// The reference is a naive float64 loop, so it is computed on the batch's first image (every
// kernel treats images independently; the filter gradient, which sums over images, is
// recomputed on that image alone); errors against the built-in and all times use the whole batch.

import type {NamedAttrMap, Tensor} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import {checkConvShapes, checkPoolShapes, depthwiseAsGrouped} from '../../kernels/checks';
import {ConvGeometry, sizeOf} from '../../kernels/geometry';
import * as names from '../../kernels/names';
import {broadcastOperand} from '../../kernels/operands';
import {
  conv2dBackpropFilterReference,
  conv2dBackpropInputReference,
  conv2dReference,
} from '../../kernels/reference/conv2d';
import {maxPoolGradReference, maxPoolReference} from '../../kernels/reference/max_pool';
import {CompareCase, convAttrsOf, ConvCompareCase, poolAttrsOf, PoolCompareCase} from './cases';
import {distinct, uniform} from './random';
import {KernelCall, runCall} from './timing';

export interface KernelJob {
  kernel: string;
  handmade: KernelCall;
  /** tfjs's kernel of the same job, and whether it is an oracle (tfjs-wasm's MaxPoolGrad is
   *  not). */
  builtin: {call: KernelCall; oracle: boolean} | null;
  /** Why builtin is null: tfjs has no such kernel on this backend ('absent'), or not for this
   *  geometry (groups, dilated gradients, NCHW where tfjs takes none). */
  builtinMissing: 'absent' | 'geometry' | null;
  /** Floating-point operations of one call, for GFLOP/s; 0 for the pools. */
  flops: number;
  /** The handmade result's first image (or what the reference covers), and the reference. */
  reference(): Promise<{actual: ArrayLike<number>; expected: ArrayLike<number>}>;
}

export interface CaseJobs {
  jobs: KernelJob[];
  /** The case in a few words: x[8,56,56,64] w[3,3,64,64] s1 same. */
  shape: string;
  /** Releases the case's tensors. */
  dispose(): void;
}

const isOne = (v: number | names.Pair | undefined) =>
  v == null || (typeof v === 'number' ? v === 1 : v[0] === 1 && v[1] === 1);

const show = (v: number | names.Pair | names.PadSpec) =>
  Array.isArray(v) ? JSON.stringify(v) : String(v);

/** The geometry with a batch of one: what the reference is computed on. */
function firstImage(g: ConvGeometry): ConvGeometry {
  return {
    ...g,
    batchSize: 1,
    inShape: [1, ...g.inShape.slice(1)],
    outShape: [1, ...g.outShape.slice(1)],
  };
}

async function read(t: Tensor): Promise<Float32Array> {
  const values = await t.data();
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/** The first n values of a call's first output. */
async function head(call: KernelCall, n: number): Promise<Float32Array> {
  const outs = runCall(call);
  const values = (await read(outs[0])).slice(0, n);
  tf.dispose(outs);
  return values;
}

/** A job whose built-in is `builtinName` where `usable` (and the backend has it). */
function job(
  backend: string,
  kernel: string,
  handmade: KernelCall,
  builtinName: string | null,
  builtinCall: () => KernelCall,
  usable: boolean,
  flops: number,
  reference: KernelJob['reference'],
  oracle = true,
): KernelJob {
  const absent = builtinName == null || tf.getKernel(builtinName, backend) == null;
  const builtin = !absent && usable ? {call: builtinCall(), oracle} : null;
  return {
    kernel,
    handmade,
    builtin,
    flops,
    reference,
    builtinMissing: builtin != null ? null : absent ? 'absent' : 'geometry',
  };
}

/** tfjs's kernel names of a convolution's jobs: its depthwise family for a depthwise case. */
function builtinNames(depthwise: boolean) {
  return depthwise
    ? {
        forward: 'DepthwiseConv2dNative',
        dx: 'DepthwiseConv2dNativeBackpropInput',
        dW: 'DepthwiseConv2dNativeBackpropFilter',
        fused: 'FusedDepthwiseConv2D',
      }
    : {
        forward: 'Conv2D',
        dx: 'Conv2DBackpropInput',
        dW: 'Conv2DBackpropFilter',
        fused: 'FusedConv2D',
      };
}

function convJobs(c: ConvCompareCase, backend: string, seed: number): CaseJobs {
  // A depthwise case's filter is tf.depthwiseConv2d's [fh, fw, inC, multiplier]; the handmade
  // kernels take the grouped filter it is in memory, and tfjs's depthwise kernels take it as is.
  const depthwise = c.depthwise === true;
  const filterShape = depthwise
    ? depthwiseAsGrouped('hm.compare', c.x, c.filter, c.dataFormat ?? 'NHWC')
    : c.filter;
  const probe = checkConvShapes('hm.compare', c.x, filterShape, convAttrsOf(c), true);
  const g = probe.geometry;
  const x = tf.tensor(uniform(sizeOf(c.x), seed), c.x);
  const filter = tf.tensor(uniform(sizeOf(filterShape), seed + 1), filterShape);
  const tfjsFilter = depthwise ? tf.reshape(filter, c.filter) : filter;
  const tfjs = builtinNames(depthwise);
  const dy = tf.tensor(uniform(sizeOf(g.outShape), seed + 2), g.outShape);
  const bias = tf.tensor1d(uniform(g.outChannels, seed + 3));
  const attrs = probe.attrs as unknown as NamedAttrMap;
  // tfjs's conv kernels take no groups, and tfjs-wasm's no NCHW; its backprops take no dilations.
  // Its depthwise kernels read x as NHWC whatever dataFormat says, and take dilations.
  const plain = depthwise
    ? g.dataFormat === 'NHWC'
    : g.groups === 1 && !(backend === 'wasm' && g.dataFormat === 'NCHW');
  const undilated = depthwise || isOne(probe.attrs.dilations);
  const builtinAttrs = {
    strides: probe.attrs.strides,
    pad: probe.attrs.pad,
    dataFormat: probe.attrs.dataFormat,
    dimRoundingMode: probe.attrs.dimRoundingMode,
  } as unknown as NamedAttrMap;
  const g1 = firstImage(g);
  const [xv, wv, dyv, bv] = [x, filter, dy, bias].map((t) => t.dataSync() as Float32Array);
  const x0 = xv.subarray(0, sizeOf(g1.inShape));
  const dy0 = dyv.subarray(0, sizeOf(g1.outShape));
  const bias0 = broadcastOperand(bv, bias.shape, g1.outShape, g.dataFormat);
  const act = (v: number) =>
    activation === 'linear' ? v : Math.max(0, activation === 'relu6' ? Math.min(6, v) : v);
  const flops =
    2 *
    g.batchSize *
    g.outHeight *
    g.outWidth *
    g.outChannels *
    g.filterHeight *
    g.filterWidth *
    g.inChannelsPerGroup;
  const forward: KernelCall = {kernelName: names.HandmadeConv2D, inputs: {x, filter}, attrs};
  const dxAttrs = {...attrs, inputShape: c.x} as NamedAttrMap;
  const dWAttrs = {...attrs, filterShape} as NamedAttrMap;
  const dilations = {dilations: probe.attrs.dilations};
  const activation = c.activation ?? 'relu';
  const fusedAttrs = {...attrs, activation} as NamedAttrMap;
  const jobs: KernelJob[] = [
    job(
      backend,
      names.HandmadeConv2D,
      forward,
      tfjs.forward,
      () => ({
        kernelName: tfjs.forward,
        inputs: {x, filter: tfjsFilter},
        attrs: {...builtinAttrs, ...dilations} as NamedAttrMap,
      }),
      plain,
      flops,
      async () => ({
        actual: await head(forward, sizeOf(g1.outShape)),
        expected: conv2dReference(x0, wv, g1),
      }),
    ),
    job(
      backend,
      names.HandmadeConv2DBackpropInput,
      {kernelName: names.HandmadeConv2DBackpropInput, inputs: {dy, filter}, attrs: dxAttrs},
      tfjs.dx,
      () => ({
        kernelName: tfjs.dx,
        inputs: {dy, filter: tfjsFilter},
        attrs: {...builtinAttrs, ...(depthwise ? dilations : {}), inputShape: c.x} as NamedAttrMap,
      }),
      plain && undilated,
      flops,
      async () => ({
        actual: await head(
          {kernelName: names.HandmadeConv2DBackpropInput, inputs: {dy, filter}, attrs: dxAttrs},
          sizeOf(g1.inShape),
        ),
        expected: conv2dBackpropInputReference(dy0, wv, g1),
      }),
    ),
    job(
      backend,
      names.HandmadeConv2DBackpropFilter,
      {kernelName: names.HandmadeConv2DBackpropFilter, inputs: {x, dy}, attrs: dWAttrs},
      tfjs.dW,
      () => ({
        kernelName: tfjs.dW,
        inputs: {x, dy},
        attrs: {
          ...builtinAttrs,
          ...(depthwise ? dilations : {}),
          filterShape: c.filter,
        } as NamedAttrMap,
      }),
      plain && undilated,
      flops,
      async () => {
        const [xs, dys] = [tf.tensor(x0, g1.inShape), tf.tensor(dy0, g1.outShape)];
        const actual = await head(
          {
            kernelName: names.HandmadeConv2DBackpropFilter,
            inputs: {x: xs, dy: dys},
            attrs: dWAttrs,
          },
          sizeOf(filterShape),
        );
        tf.dispose([xs, dys]);
        return {actual, expected: conv2dBackpropFilterReference(x0, dy0, g1)};
      },
    ),
    job(
      backend,
      names.HandmadeFusedConv2D,
      {kernelName: names.HandmadeFusedConv2D, inputs: {x, filter, bias}, attrs: fusedAttrs},
      tfjs.fused,
      () => ({
        kernelName: tfjs.fused,
        inputs: {x, filter: tfjsFilter, bias},
        attrs: {
          ...builtinAttrs,
          dilations: probe.attrs.dilations,
          activation,
        } as NamedAttrMap,
      }),
      plain,
      flops,
      async () => ({
        actual: await head(
          {kernelName: names.HandmadeFusedConv2D, inputs: {x, filter, bias}, attrs: fusedAttrs},
          sizeOf(g1.outShape),
        ),
        expected: Array.from(conv2dReference(x0, wv, g1), (v, i) => act(v + bias0[i])),
      }),
    ),
  ];
  const shape =
    `x[${c.x}] ${depthwise ? 'dw' : 'w'}[${c.filter}] s${show(c.strides)} ${show(c.pad)}` +
    (c.activation != null ? ` ${c.activation}` : '') +
    (c.dilations == null || isOne(c.dilations) ? '' : ` d${show(c.dilations)}`) +
    (c.dataFormat === 'NCHW' ? ' NCHW' : '');
  return {
    jobs: c.inference === true ? jobs.filter((j) => j.kernel === names.HandmadeFusedConv2D) : jobs,
    shape,
    dispose: () => tf.dispose([x, filter, tfjsFilter, dy, bias]),
  };
}

function poolJobs(c: PoolCompareCase, backend: string, seed: number): CaseJobs {
  const probe = checkPoolShapes('hm.compare', c.x, poolAttrsOf(c), true);
  const x = tf.tensor(distinct(sizeOf(c.x), seed), c.x);
  const g = probe.geometry;
  const dy = tf.tensor(uniform(sizeOf(g.outShape), seed + 1), g.outShape);
  const attrs = probe.attrs as unknown as NamedAttrMap;
  const builtinAttrs = {
    filterSize: probe.attrs.filterSize,
    strides: probe.attrs.strides,
    pad: probe.attrs.pad,
    dimRoundingMode: probe.attrs.dimRoundingMode,
  } as unknown as NamedAttrMap;
  // tfjs's max pool has no dataFormat and no dilation.
  const plain = g.dataFormat === 'NHWC' && isOne(probe.attrs.dilations);
  const g1 = firstImage(g);
  const x0 = (x.dataSync() as Float32Array).subarray(0, sizeOf(g1.inShape));
  const dy0 = (dy.dataSync() as Float32Array).subarray(0, sizeOf(g1.outShape));
  // The gradients' inputs come from the forward kernels, as in training.
  const [y, argmax] = runCall({kernelName: names.HandmadeMaxPool, inputs: {x}, attrs});
  y.dispose();
  const hasMaxPool = plain && tf.getKernel('MaxPool', backend) != null;
  const output = hasMaxPool
    ? runCall({kernelName: 'MaxPool', inputs: {x}, attrs: builtinAttrs})[0]
    : null;
  const ref = maxPoolReference(x0, g1);
  const maxPool = (): KernelCall => ({kernelName: 'MaxPool', inputs: {x}, attrs: builtinAttrs});
  const values: KernelCall = {kernelName: names.HandmadeMaxPoolValues, inputs: {x}, attrs};
  const pool: KernelCall = {kernelName: names.HandmadeMaxPool, inputs: {x}, attrs};
  const grad: KernelCall = {
    kernelName: names.HandmadeMaxPoolGrad,
    inputs: {dy, argmax},
    attrs: {...attrs, inputShape: c.x} as NamedAttrMap,
  };
  const jobs: KernelJob[] = [
    // tfjs's MaxPool's job, y alone (what it runs under installAsBuiltins), then the training
    // forward, which also writes the argmax its gradient reads.
    job(backend, names.HandmadeMaxPoolValues, values, 'MaxPool', maxPool, plain, 0, async () => ({
      actual: await head(values, sizeOf(g1.outShape)),
      expected: ref.y,
    })),
    job(backend, names.HandmadeMaxPool, pool, 'MaxPool', maxPool, plain, 0, async () => ({
      actual: await head(pool, sizeOf(g1.outShape)),
      expected: ref.y,
    })),
    // tfjs's wasm MaxPoolGrad starts its running max at the smallest positive float, so a
    // window whose maximum is <= 0 routes its gradient wrongly: timed, but not an oracle.
    job(
      backend,
      names.HandmadeMaxPoolGrad,
      grad,
      'MaxPoolGrad',
      () => ({
        kernelName: 'MaxPoolGrad',
        inputs: {dy, input: x, output: output ?? x},
        attrs: builtinAttrs,
      }),
      plain && output != null,
      0,
      async () => ({
        actual: await head(grad, sizeOf(g1.inShape)),
        expected: maxPoolGradReference(dy0, ref.argmax, g1),
      }),
      backend !== 'wasm',
    ),
  ];
  const size =
    typeof c.filterSize === 'number' ? `${c.filterSize}x${c.filterSize}` : c.filterSize.join('x');
  const shape =
    `x[${c.x}] ${size}/${show(c.strides)} ${show(c.pad)}` +
    (c.dataFormat === 'NCHW' ? ' NCHW' : '');
  return {
    jobs:
      c.inference === true ? jobs.filter((j) => j.kernel === names.HandmadeMaxPoolValues) : jobs,
    shape,
    dispose: () => tf.dispose([x, dy, argmax, ...(output != null ? [output] : [])]),
  };
}

/** The jobs of case c on the active backend `backend`, its tensors drawn from `seed`. */
export function caseJobs(c: CompareCase, backend: string, seed: number): CaseJobs {
  return c.kind === 'conv' ? convJobs(c, backend, seed) : poolJobs(c, backend, seed);
}
