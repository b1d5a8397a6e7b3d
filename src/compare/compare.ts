// hm.compare: every handmade kernel, on every backend asked for, against the float64 reference and
// against tfjs's built-in kernel of the same job on the same backend (where one is defined), with
// the median times of both. One row per kernel x case x backend; a row fails when an error is
// past its tolerance. Errors are relative to the largest expected magnitude
// (src/compare/errors.ts).
//
// The one harness of the project: hm.compare, the compare command (src/compare/cli.ts) and
// `npm run bench` (bench/run.ts, which adds only its report) are views of compareActiveBackend,
// over the cases of src/compare/cases.ts, the jobs of src/compare/jobs.ts and the timing of
// src/compare/timing.ts.

import * as tf from '@tensorflow/tfjs-core';

import {caseName, CompareCase, FULL_CASES, QUICK_CASES, speedTarget} from './cases';
import {closeness} from './errors';
import {caseJobs, KernelJob} from './jobs';
import {runCall, timePair, TimingOptions} from './timing';

export interface CompareRow {
  backend: string;
  kernel: string;
  /** the built-in kernel compared with, or null where tfjs has none for this geometry */
  builtin: string | null;
  /** why builtin is null: no such kernel on the backend ('absent'), none for this geometry
   *  ('geometry'), or left out on request ('skipped') */
  builtinMissing: 'absent' | 'geometry' | 'skipped' | null;
  case: string;
  /** the case in a few words, e.g. x[8,56,56,64] w[3,3,64,64] s1 same */
  shape: string;
  /** max |handmade - reference| and that over the reference's largest magnitude (null when the
   *  row was timed without checking) */
  refMaxAbs: number | null;
  refRelErr: number | null;
  builtinMaxAbs: number | null;
  builtinRelErr: number | null;
  handmadeMs: number;
  builtinMs: number | null;
  /** builtinMs / handmadeMs: above 1 means the handmade kernel is faster */
  ratio: number | null;
  /** samples behind each median (1: timed by one call, over the cap) */
  handmadeRuns: number;
  builtinRuns: number;
  /** GFLOP/s of both, for the convolutions */
  gflops: {handmade: number; builtin: number | null} | null;
  /** the least ratio the reference shapes must reach on this backend (src/compare/cases.ts) */
  target: number | null;
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
  /** timed samples per kernel at least, after a warm-up; the median is reported (default 5) */
  repeats?: number;
  /** a kernel whose first call takes longer than this is timed by that one call (default 20 s) */
  singleRunAboveMs?: number;
  onRow?: (row: CompareRow, done: number, total: number) => void;
}

/** What compareActiveBackend does beyond the timing: whether it checks each kernel against the
 *  reference and the built-in (default true), and which built-ins it leaves out. */
export interface ActiveBackendOptions extends TimingOptions {
  check?: boolean;
  skipBuiltin?: (job: KernelJob, backend: string) => boolean;
  /** handmade kernels to run (default all) */
  kernels?: string[] | null;
}

/** Tolerances relative to the largest expected magnitude, per backend and texture precision. */
export function tolerances(backend: string): {
  reference: number;
  builtin: number;
  precision: string;
} {
  if (backend === 'webgl') {
    return tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')
      ? {reference: 1e-4, builtin: 1e-4, precision: 'float32'}
      : {reference: 2e-2, builtin: 2e-2, precision: 'float16'};
  }
  return {reference: 1e-5, builtin: 1e-4, precision: 'float32'};
}

async function firstOutput(call: KernelJob['handmade']): Promise<Float32Array> {
  const outs = runCall(call);
  const values = await outs[0].data();
  tf.dispose(outs);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
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

/** Jobs per case: four for a convolution, three for a max pool. */
export const jobsPerCase = (c: CompareCase) => (c.kind === 'conv' ? 4 : 3);

/** Every job of every case on the active backend, one row each, handed to onRow as it is made;
 *  the case's tensors are released after it, and a leak is an error. */
export async function compareActiveBackend(
  cases: CompareCase[],
  opts: ActiveBackendOptions,
  onRow: (row: CompareRow) => Promise<void> | void,
): Promise<CompareRow[]> {
  const backend = tf.getBackend();
  const tol = tolerances(backend);
  const rows: CompareRow[] = [];
  for (const [i, c] of cases.entries()) {
    const before = tf.memory().numTensors;
    const {jobs, shape, dispose} = caseJobs(c, backend, 7000 + 10 * i);
    try {
      if (backend === 'webgl') uploadInputs(jobs);
      for (const job of jobs) {
        if (opts.kernels != null && !opts.kernels.includes(job.kernel)) continue;
        const row = await runJob(job, backend, c, shape, tol, opts);
        rows.push(row);
        await onRow(row);
      }
    } finally {
      dispose();
    }
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) throw new Error(`hm.compare: ${leaked} tensors leaked on ${caseName(c)}`);
  }
  return rows;
}

/** A webgl tensor made from values is uploaded by the first program that reads it: upload every
 *  input before timing, so that no kernel's first call pays for the others. */
function uploadInputs(jobs: KernelJob[]): void {
  const tensors = new Set<tf.Tensor>();
  for (const j of jobs) {
    for (const call of [j.handmade, j.builtin?.call]) {
      for (const t of Object.values(call?.inputs ?? {})) tensors.add(t as tf.Tensor);
    }
  }
  for (const t of tensors) tf.tidy(() => tf.mul(t, 1).dataSync());
}

export async function compare(options: CompareOptions = {}): Promise<CompareRow[]> {
  const cases = resolveCases(options.cases);
  const backends = options.backends ?? availableBackends();
  const timing = {runs: options.repeats ?? 5, capMs: options.singleRunAboveMs ?? 20000};
  const previous = tf.getBackend();
  const rows: CompareRow[] = [];
  const total = backends.length * cases.reduce((n, c) => n + jobsPerCase(c), 0);
  try {
    for (const backend of backends) {
      if (!(await tf.setBackend(backend))) {
        throw new Error(
          `hm.compare: backend '${backend}' could not be initialised here ` +
            `(registered: ${availableBackends().join(', ') || 'none'})`,
        );
      }
      await compareActiveBackend(cases, timing, (row) => {
        rows.push(row);
        options.onRow?.(row, rows.length, total);
      });
    }
  } finally {
    if (previous != null) await tf.setBackend(previous);
  }
  return rows;
}

async function runJob(
  job: KernelJob,
  backend: string,
  c: CompareCase,
  shape: string,
  tol: {reference: number; builtin: number; precision: string},
  opts: ActiveBackendOptions,
): Promise<CompareRow> {
  const notes: string[] = [];
  if (tol.precision !== 'float32') notes.push(`${tol.precision} textures`);
  const skipped = job.builtin != null && (opts.skipBuiltin?.(job, backend) ?? false);
  const builtin = skipped ? null : job.builtin;
  let ref: {maxAbs: number; relErr: number; firstBad: number} | null = null;
  let builtinMaxAbs: number | null = null;
  let builtinRelErr: number | null = null;
  let builtinOk = true;
  if (opts.check ?? true) {
    const {actual, expected} = await job.reference();
    ref = closeness(actual, expected, tol.reference);
    if (builtin != null) {
      const e = closeness(
        await firstOutput(job.handmade),
        await firstOutput(builtin.call),
        tol.builtin,
      );
      builtinMaxAbs = e.maxAbs;
      builtinRelErr = e.relErr;
      if (builtin.oracle) builtinOk = e.firstBad < 0;
    }
  }
  if (builtin != null && !builtin.oracle) {
    notes.push(`${builtin.call.kernelName} on ${backend} is not an oracle (known wrong)`);
  }
  const t = timePair(job.handmade, builtin?.call ?? null, opts);
  if (t.builtin?.runs === 1) notes.push('built-in timed by one run');
  if (t.handmade.runs === 1) notes.push('timed by one run');
  const gf = (ms: number) => job.flops / ms / 1e6;
  return {
    backend,
    kernel: job.kernel,
    builtin: builtin?.call.kernelName ?? null,
    builtinMissing: skipped ? 'skipped' : job.builtinMissing,
    case: caseName(c),
    shape,
    refMaxAbs: ref?.maxAbs ?? null,
    refRelErr: ref?.relErr ?? null,
    builtinMaxAbs,
    builtinRelErr,
    handmadeMs: t.handmade.ms,
    builtinMs: t.builtin?.ms ?? null,
    ratio: t.builtin == null ? null : t.builtin.ms / t.handmade.ms,
    handmadeRuns: t.handmade.runs,
    builtinRuns: t.builtin?.runs ?? 0,
    gflops:
      job.flops > 0
        ? {handmade: gf(t.handmade.ms), builtin: t.builtin == null ? null : gf(t.builtin.ms)}
        : null,
    target: speedTarget(backend, c, job.kernel),
    refTolerance: tol.reference,
    builtinTolerance: tol.builtin,
    ok: (ref == null || ref.firstBad < 0) && builtinOk,
    note: notes.join('; '),
  };
}
