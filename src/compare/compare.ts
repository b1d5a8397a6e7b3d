// hm.compare: every handmade kernel, on every backend asked for, against the float64 reference and
// against tfjs's built-in kernel of the same job on the same backend (where one is defined), with
// the median times of both. One row per kernel x case x backend; a row fails when an error is
// past its tolerance. Errors are relative to the largest expected magnitude (src/compare/errors.ts).
//
// The reference is a naive float64 loop, so errors against it are measured on the batch's first
// image (every kernel treats images independently; the filter gradient, which sums over images,
// is recomputed on that image alone); errors against the built-in and all times use the whole batch.

import * as tf from '@tensorflow/tfjs-core';
import {ConvGeometry, sizeOf} from '../../kernels/geometry';
import * as names from '../../kernels/names';
import {
  conv2dBackpropFilterReference, conv2dBackpropInputReference, conv2dReference,
} from '../../kernels/reference/conv2d';
import {maxPoolGradReference, maxPoolReference} from '../../kernels/reference/max_pool';
import {checkConv, checkPool} from '../validate';
import {CompareCase, caseName, ConvCompareCase, FULL_CASES, PoolCompareCase, QUICK_CASES} from './cases';
import {compare as measure} from './errors';
import {distinct, uniform} from './random';

export interface CompareRow {
  backend: string;
  kernel: string;
  /** the built-in kernel compared with, or null where tfjs has none for this geometry */
  builtin: string | null;
  case: string;
  /** max |handmade - reference| and that over the reference's largest magnitude */
  refMaxAbs: number;
  refRelErr: number;
  builtinMaxAbs: number | null;
  builtinRelErr: number | null;
  handmadeMs: number;
  builtinMs: number | null;
  /** builtinMs / handmadeMs: above 1 means the handmade kernel is faster */
  ratio: number | null;
  refTolerance: number;
  builtinTolerance: number;
  ok: boolean;
  note: string;
}

export interface CompareOptions {
  /** backends to run on (default: every one registered here among cpu, webgl, wasm) */
  backends?: string[];
  /** 'quick' (default), 'full', or a list of cases */
  cases?: 'quick' | 'full' | CompareCase[];
  /** timed runs per kernel after one warm-up; the median is reported (default 5) */
  repeats?: number;
  /** a built-in whose warm-up call takes longer than this is timed by that one call (default 20 s) */
  singleRunAboveMs?: number;
  onRow?: (row: CompareRow, done: number, total: number) => void;
}

/** Tolerances relative to the largest expected magnitude, per backend and texture precision. */
export function tolerances(backend: string): {reference: number; builtin: number; precision: string} {
  if (backend === 'webgl') {
    return tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') ?
        {reference: 1e-4, builtin: 1e-4, precision: 'float32'} :
        {reference: 2e-2, builtin: 2e-2, precision: 'float16'};
  }
  return {reference: 1e-5, builtin: 1e-4, precision: 'float32'};
}

type Run = () => tf.Tensor | tf.Tensor[];

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
    tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];

const first = (r: tf.Tensor | tf.Tensor[]) => (Array.isArray(r) ? r[0] : r);

async function read(r: tf.Tensor | tf.Tensor[]): Promise<Float32Array> {
  const values = await first(r).data();
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/** Median wall time of one call of `f` (including reading the result back) over `repeats`
 *  samples after one warm-up. Calls faster than a few milliseconds are batched into one sample,
 *  since a browser's clock is coarse (0.1 ms in Chromium). */
async function time(f: Run, repeats: number, singleRunAboveMs: number):
    Promise<{ms: number; single: boolean}> {
  const sample = async (calls: number) => {
    const start = performance.now();
    for (let i = 0; i < calls; i++) {
      const r = f();
      await first(r).data();
      tf.dispose(r);
    }
    return (performance.now() - start) / calls;
  };
  const warm = await sample(1);
  if (warm > singleRunAboveMs) return {ms: warm, single: true};
  const calls = Math.min(1000, Math.max(1, Math.ceil(MIN_SAMPLE_MS / Math.max(warm, 0.01))));
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await sample(calls));
  times.sort((a, b) => a - b);
  return {ms: times[times.length >> 1], single: false};
}

const MIN_SAMPLE_MS = 5;

interface KernelJob {
  kernel: string;
  handmade: Run;
  builtin: {name: string; run: Run; oracle: boolean} | null;
  /** the handmade result's first image (or what the reference covers), and the reference for it */
  reference: () => Promise<{actual: ArrayLike<number>; expected: ArrayLike<number>}>;
}

const isOne = (v: number | names.Pair | undefined) =>
    v == null || (typeof v === 'number' ? v === 1 : v[0] === 1 && v[1] === 1);

/** The geometry with a batch of one: what the reference is computed on. */
function firstImage(g: ConvGeometry): ConvGeometry {
  const single = {...g, batchSize: 1, inShape: [1, ...g.inShape.slice(1)],
                  outShape: [1, ...g.outShape.slice(1)]};
  return single;
}

interface CaseJobs {
  jobs: KernelJob[];
  /** releases what the jobs share (beyond the case's input tensors) */
  dispose: () => void;
}

function convJobs(c: ConvCompareCase, backend: string, tensors: tf.Tensor[]): CaseJobs {
  const [x, filter, dy, bias] = tensors as tf.Tensor4D[];
  const {attrs, geometry: g} = checkConv('hm.compare', x, filter,
      {strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', dilations: c.dilations ?? 1,
       dimRoundingMode: c.dimRoundingMode});
  const builtinAttrs = {strides: attrs.strides, pad: attrs.pad, dataFormat: attrs.dataFormat,
                        dimRoundingMode: attrs.dimRoundingMode};
  const plain = g.groups === 1 && !(backend === 'wasm' && attrs.dataFormat === 'NCHW');
  const has = (name: string) => tf.getKernel(name, backend) != null;
  const g1 = firstImage(g);
  const [xv, wv, dyv] = [x, filter, dy].map((t) => t.dataSync() as Float32Array);
  const x0 = xv.subarray(0, sizeOf(g1.inShape));
  const dy0 = dyv.subarray(0, sizeOf(g1.outShape));
  const head = (n: number) => async (r: Run) => {
    const out = r();
    const v = (await read(out)).slice(0, n);
    tf.dispose(out);
    return v;
  };
  const bpfAttrs = {...attrs, filterShape: filter.shape};
  const biasValues = bias.dataSync();
  const channelOf = (i: number) => attrs.dataFormat === 'NHWC' ? i % g.outChannels :
      Math.floor(i / (g.outHeight * g.outWidth)) % g.outChannels;
  const jobs: KernelJob[] = [
    {
      kernel: names.HandmadeConv2D,
      handmade: () => run(names.HandmadeConv2D, {x, filter}, attrs),
      builtin: plain && has('Conv2D') ? {name: 'Conv2D', oracle: true,
        run: () => run('Conv2D', {x, filter}, {...builtinAttrs, dilations: attrs.dilations})} : null,
      reference: async () => ({
        actual: await head(sizeOf(g1.outShape))(() => run(names.HandmadeConv2D, {x, filter}, attrs)),
        expected: conv2dReference(x0, wv, g1)}),
    },
    {
      kernel: names.HandmadeConv2DBackpropInput,
      handmade: () => run(names.HandmadeConv2DBackpropInput, {dy, filter}, {...attrs, inputShape: x.shape}),
      // tfjs's backprop kernels take no dilations: they are built-in oracles only without them.
      builtin: plain && isOne(attrs.dilations) && has('Conv2DBackpropInput') ? {
        name: 'Conv2DBackpropInput', oracle: true,
        run: () => run('Conv2DBackpropInput', {dy, filter}, {...builtinAttrs, inputShape: x.shape})} : null,
      reference: async () => ({
        actual: await head(sizeOf(g1.inShape))(
            () => run(names.HandmadeConv2DBackpropInput, {dy, filter}, {...attrs, inputShape: x.shape})),
        expected: conv2dBackpropInputReference(dy0, wv, g1)}),
    },
    {
      kernel: names.HandmadeConv2DBackpropFilter,
      handmade: () => run(names.HandmadeConv2DBackpropFilter, {x, dy}, bpfAttrs),
      builtin: plain && isOne(attrs.dilations) && has('Conv2DBackpropFilter') ? {
        name: 'Conv2DBackpropFilter', oracle: true,
        run: () => run('Conv2DBackpropFilter', {x, dy}, {...builtinAttrs, filterShape: filter.shape})} : null,
      reference: async () => {
        const [xs, dys] = [tf.tensor(x0, g1.inShape), tf.tensor(dy0, g1.outShape)];
        const actual = await head(sizeOf(filter.shape))(
            () => run(names.HandmadeConv2DBackpropFilter, {x: xs, dy: dys}, bpfAttrs));
        tf.dispose([xs, dys]);
        return {actual, expected: conv2dBackpropFilterReference(x0, dy0, g1)};
      },
    },
    {
      kernel: names.HandmadeFusedConv2D,
      handmade: () => run(names.HandmadeFusedConv2D, {x, filter, bias}, {...attrs, activation: 'relu'}),
      builtin: plain && has('FusedConv2D') ? {name: 'FusedConv2D', oracle: true,
        run: () => run('FusedConv2D', {x, filter, bias},
                       {...builtinAttrs, dilations: attrs.dilations, activation: 'relu'})} : null,
      reference: async () => ({
        actual: await head(sizeOf(g1.outShape))(
            () => run(names.HandmadeFusedConv2D, {x, filter, bias}, {...attrs, activation: 'relu'})),
        expected: Array.from(conv2dReference(x0, wv, g1),
                             (v, i) => Math.max(0, v + biasValues[channelOf(i)]))}),
    },
  ];
  return {jobs, dispose: () => {}};
}

function poolJobs(c: PoolCompareCase, backend: string, tensors: tf.Tensor[]): CaseJobs {
  const [x, dy] = tensors;
  const {attrs, geometry: g} = checkPool('hm.compare', x, {filterSize: c.filterSize, strides: c.strides,
      pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', dilations: c.dilations ?? 1,
      dimRoundingMode: c.dimRoundingMode});
  const builtinAttrs = {filterSize: attrs.filterSize, strides: attrs.strides, pad: attrs.pad,
                        dimRoundingMode: attrs.dimRoundingMode};
  // tfjs's max pool has no dataFormat and no dilation.
  const plain = attrs.dataFormat === 'NHWC' && isOne(attrs.dilations);
  const has = (name: string) => tf.getKernel(name, backend) != null;
  const g1 = firstImage(g);
  const x0 = (x.dataSync() as Float32Array).subarray(0, sizeOf(g1.inShape));
  const dy0 = (dy.dataSync() as Float32Array).subarray(0, sizeOf(g1.outShape));
  const forward = () => run(names.HandmadeMaxPool, {x}, attrs) as tf.Tensor[];
  const [y, argmax] = forward();
  const builtinY = plain && has('MaxPool') ? run('MaxPool', {x}, builtinAttrs) as tf.Tensor : null;
  const ref = maxPoolReference(x0, g1);
  const headOf = async (t: tf.Tensor, n: number) => (await read(t)).slice(0, n);
  const jobs: KernelJob[] = [
    {
      kernel: names.HandmadeMaxPool,
      handmade: forward,
      builtin: builtinY != null ? {name: 'MaxPool', oracle: true, run: () => run('MaxPool', {x}, builtinAttrs)} : null,
      reference: async () => ({actual: await headOf(y, sizeOf(g1.outShape)), expected: ref.y}),
    },
    {
      kernel: names.HandmadeMaxPoolGrad,
      handmade: () => run(names.HandmadeMaxPoolGrad, {dy, argmax}, {...attrs, inputShape: x.shape}),
      // tfjs's wasm MaxPoolGrad starts its running max at the smallest positive float, so a
      // window whose maximum is <= 0 routes its gradient wrongly: timed, but not an oracle.
      builtin: builtinY != null && has('MaxPoolGrad') ? {name: 'MaxPoolGrad', oracle: backend !== 'wasm',
        run: () => run('MaxPoolGrad', {dy, input: x, output: builtinY}, builtinAttrs)} : null,
      reference: async () => {
        const dx = run(names.HandmadeMaxPoolGrad, {dy, argmax}, {...attrs, inputShape: x.shape});
        const actual = await headOf(first(dx), sizeOf(g1.inShape));
        tf.dispose(dx);
        return {actual, expected: maxPoolGradReference(dy0, ref.argmax, g1)};
      },
    },
  ];
  return {jobs, dispose: () => tf.dispose([y, argmax, ...(builtinY ? [builtinY] : [])])};
}

function caseTensors(c: CompareCase, seed: number): tf.Tensor[] {
  if (c.kind === 'conv') {
    const probe = checkConv('hm.compare', tf.zeros(c.x), tf.zeros(c.filter),
        {strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', dilations: c.dilations ?? 1,
         dimRoundingMode: c.dimRoundingMode});
    return [tf.tensor(uniform(sizeOf(c.x), seed), c.x), tf.tensor(uniform(sizeOf(c.filter), seed + 1), c.filter),
            tf.tensor(uniform(sizeOf(probe.geometry.outShape), seed + 2), probe.geometry.outShape),
            tf.tensor1d(uniform(c.filter[3], seed + 3))];
  }
  const probe = checkPool('hm.compare', tf.zeros(c.x), {filterSize: c.filterSize, strides: c.strides,
      pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', dilations: c.dilations ?? 1,
      dimRoundingMode: c.dimRoundingMode});
  return [tf.tensor(distinct(sizeOf(c.x), seed), c.x),
          tf.tensor(uniform(sizeOf(probe.geometry.outShape), seed + 1), probe.geometry.outShape)];
}

export function resolveCases(cases: CompareOptions['cases']): CompareCase[] {
  if (cases == null || cases === 'quick') return QUICK_CASES;
  if (cases === 'full') return FULL_CASES;
  return cases;
}

/** Backends among cpu, webgl and wasm that are registered in this JavaScript context. */
export function availableBackends(): string[] {
  return ['cpu', 'webgl', 'wasm'].filter((b) => tf.findBackendFactory(b) != null);
}

export async function compare(options: CompareOptions = {}): Promise<CompareRow[]> {
  const cases = resolveCases(options.cases);
  const backends = options.backends ?? availableBackends();
  const repeats = options.repeats ?? 5;
  const singleRunAboveMs = options.singleRunAboveMs ?? 20000;
  const previous = tf.getBackend();
  const rows: CompareRow[] = [];
  const total = backends.length * cases.reduce((n, c) => n + (c.kind === 'conv' ? 4 : 2), 0);
  try {
    for (const backend of backends) {
      if (!(await tf.setBackend(backend))) {
        throw new Error(`hm.compare: backend '${backend}' could not be initialised here ` +
                        `(registered: ${availableBackends().join(', ') || 'none'})`);
      }
      const tol = tolerances(backend);
      for (const [i, c] of cases.entries()) {
        const before = tf.memory().numTensors;
        const tensors = tf.tidy(() => caseTensors(c, 7000 + 10 * i));
        const {jobs, dispose} =
            c.kind === 'conv' ? convJobs(c, backend, tensors) : poolJobs(c, backend, tensors);
        for (const job of jobs) {
          const row = await runJob(job, backend, caseName(c), tol, repeats, singleRunAboveMs);
          rows.push(row);
          options.onRow?.(row, rows.length, total);
        }
        dispose();
        tf.dispose(tensors);
        const leaked = tf.memory().numTensors - before;
        if (leaked !== 0) throw new Error(`hm.compare: ${leaked} tensors leaked on ${caseName(c)}`);
      }
    }
  } finally {
    if (previous != null) await tf.setBackend(previous);
  }
  return rows;
}

async function runJob(job: KernelJob, backend: string, name: string,
                      tol: {reference: number; builtin: number; precision: string},
                      repeats: number, singleRunAboveMs: number): Promise<CompareRow> {
  const notes: string[] = [];
  if (tol.precision !== 'float32') notes.push(`${tol.precision} textures`);
  const {actual, expected} = await job.reference();
  const ref = measure(actual, expected, tol.reference);
  let builtinMaxAbs: number | null = null;
  let builtinRelErr: number | null = null;
  let builtinOk = true;
  if (job.builtin != null) {
    const [ours, theirs] = [job.handmade(), job.builtin.run()];
    const c = measure(await read(ours), await read(theirs), tol.builtin);
    tf.dispose([ours, theirs]);
    builtinMaxAbs = c.maxAbs;
    builtinRelErr = c.relErr;
    if (job.builtin.oracle) builtinOk = c.firstBad < 0;
    else notes.push(`${job.builtin.name} on ${backend} is not an oracle (known wrong)`);
  }
  const handmade = await time(job.handmade, repeats, Infinity);
  const builtin = job.builtin == null ? null : await time(job.builtin.run, repeats, singleRunAboveMs);
  if (builtin?.single) notes.push('built-in timed by one run');
  return {
    backend, kernel: job.kernel, builtin: job.builtin?.name ?? null, case: name,
    refMaxAbs: ref.maxAbs, refRelErr: ref.relErr, builtinMaxAbs, builtinRelErr,
    handmadeMs: handmade.ms, builtinMs: builtin?.ms ?? null,
    ratio: builtin == null ? null : builtin.ms / handmade.ms,
    refTolerance: tol.reference, builtinTolerance: tol.builtin,
    ok: ref.firstBad < 0 && builtinOk, note: notes.join('; '),
  };
}
