// The timing both halves of the bench share: node (cpu, wasm) runs it in bench/run.ts, Chromium
// (webgl) in bench/page.ts. A timed call is one tf.engine().runKernel on the active backend,
// its outputs read back with dataSync, so a call on webgl counts until the GPU has finished.

import * as tf from '@tensorflow/tfjs-core';
import type {Tensor} from '@tensorflow/tfjs-core';
import * as names from '../kernels/names';
import {CASES, KernelCall, KernelPair, kernelPairs} from './cases';

export interface TimingOptions {
  quick: boolean;
  /** Timed calls at least, per kernel. */
  runs: number;
  /** A built-in call slower than this is timed by one call only. */
  capMs: number;
  /** Case ids (c1, p2, ...) to run; null for all. */
  only: string[] | null;
  /** Handmade kernel names to run; null for all. */
  kernels: string[] | null;
}

export interface Timing {
  ms: number;
  /** Timed calls behind the median; 1 when the call was over the cap. */
  runs: number;
}

export interface Row {
  backend: string;
  kernel: string;
  shape: string;
  handmadeMs: number;
  builtinMs: number | null;
  ratio: number | null;
  caseId: string;
  /** The built-in kernel's name, or null where the backend has none. */
  builtinKernel: string | null;
  /** Why builtinMs is null: the backend has no such kernel, or --quick skipped it. */
  builtinMissing: 'absent' | 'skipped' | null;
  gflops: {handmade: number; builtin: number | null} | null;
  handmadeRuns: number;
  builtinRuns: number;
}

/** One call, read back: the time from the call to its outputs' values being on the host. */
/** One call, timed to the readback of its first output: the built-ins' one output, and the
 *  handmade max pool's y, which on webgl is gathered at the argmax, so both are complete. The
 *  argmax itself stays on the backend, as in training, where only the gradient reads it. */
function callOnce(call: KernelCall): number {
  const t0 = performance.now();
  const out = tf.engine().runKernel(call.kernelName, call.inputs, call.attrs) as Tensor | Tensor[];
  const outs = Array.isArray(out) ? out : [out];
  outs[0].dataSync();
  const ms = performance.now() - t0;
  for (const t of outs) t.dispose();
  return ms;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Warm-up, then the median of at least `runs` calls of each kernel (more for fast kernels, up
 *  to half a second each). The handmade and built-in calls alternate, so that both see the same
 *  machine load. A kernel whose first call is over the cap is timed by one call alone, so that a
 *  big shape on SwiftShader or tfjs's cpu Conv2DBackpropFilter does not take minutes: on webgl
 *  by its second call (the first compiles the shaders), elsewhere by the first. */
export function timePair(handmade: KernelCall, builtin: KernelCall | null, opts: TimingOptions):
    {handmade: Timing; builtin: Timing | null} {
  const compiles = tf.getBackend() === 'webgl';
  const warmUp = (call: KernelCall, extra: number): number | null => {
    const first = callOnce(call);
    if (first > opts.capMs) return compiles ? callOnce(call) : first;
    // At least `extra` more calls, and more (up to 500) until 150 ms have run: V8 runs the first
    // calls of a WebAssembly function on its baseline compiler, several times slower, until its
    // optimised code, compiled in the background, takes over.
    let warm = first;
    for (let i = 0; (i < extra || warm < 150) && i < 500 && warm < 300; i++) warm += callOnce(call);
    return null;
  };
  const hmSingle = warmUp(handmade, 3);
  const biSingle = builtin == null ? null : warmUp(builtin, 2);
  const timeHandmade = hmSingle == null;
  const timeBuiltin = builtin != null && biSingle == null;
  const hmSamples: number[] = [];
  const biSamples: number[] = [];
  let hmSpent = 0;
  let biSpent = 0;
  const enough = (samples: number[], spent: number) =>
      samples.length >= opts.runs && (spent >= 500 || samples.length >= 50);
  while ((timeHandmade && !enough(hmSamples, hmSpent)) || (timeBuiltin && !enough(biSamples, biSpent))) {
    if (timeHandmade && !enough(hmSamples, hmSpent)) hmSpent += push(hmSamples, callOnce(handmade));
    if (timeBuiltin && !enough(biSamples, biSpent)) biSpent += push(biSamples, callOnce(builtin!));
  }
  return {
    handmade: hmSingle != null ? {ms: hmSingle, runs: 1} : {ms: median(hmSamples), runs: hmSamples.length},
    builtin: biSingle != null ? {ms: biSingle, runs: 1} :
        timeBuiltin ? {ms: median(biSamples), runs: biSamples.length} : null,
  };
}

function push(samples: number[], ms: number): number {
  samples.push(ms);
  return ms;
}

/** In --quick mode, the cpu backend's built-in Conv2DBackpropFilter is skipped where it runs
 *  > ~10 s (it reaches about 0.04 GFLOP/s). */
function skipBuiltin(backend: string, p: KernelPair, opts: TimingOptions): boolean {
  return opts.quick && backend === 'cpu' && p.kernel === names.HandmadeConv2DBackpropFilter &&
      p.flops > 0.4e9;
}

export function fmt(x: number | null, digits = 2): string {
  if (x == null) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(digits);
}

export function progressLine(r: Row): string {
  return `${r.backend} ${r.caseId} ${r.kernel.padEnd(30)} ${fmt(r.handmadeMs, 3).padStart(8)} ms` +
      `${r.handmadeRuns === 1 ? ' (1 run)' : ''}` +
      ` vs ${fmt(r.builtinMs, 3).padStart(8)} ms${r.builtinRuns === 1 ? ' (1 run)' : ''}` +
      `  ratio ${r.ratio == null ? '-' : fmt(r.ratio) + 'x'}` +
      (r.gflops ? `  ${fmt(r.gflops.handmade)} GFLOP/s` : '');
}

/** Times every selected case and kernel on the active backend; `onRow` sees each row as it is
 *  measured (and may yield, so that a page can report progress). */
export async function benchActiveBackend(opts: TimingOptions, onRow: (r: Row) => Promise<void> | void):
    Promise<Row[]> {
  const backend = tf.getBackend();
  const rows: Row[] = [];
  for (const c of CASES) {
    if (opts.only != null && !opts.only.includes(c.id)) continue;
    const pairs = kernelPairs(c);
    if (backend === 'webgl') uploadInputs(pairs);
    for (const p of pairs) {
      if (opts.kernels != null && !opts.kernels.includes(p.kernel)) continue;
      const absent = tf.getKernel(p.builtin.kernelName, backend) == null;
      const skipped = !absent && skipBuiltin(backend, p, opts);
      const t = timePair(p.handmade, absent || skipped ? null : p.builtin, opts);
      const hm = t.handmade;
      const bi = t.builtin;
      const gf = (ms: number) => p.flops / ms / 1e6;
      const row: Row = {
        backend, kernel: p.kernel, shape: p.shape, caseId: p.caseId,
        builtinKernel: absent ? null : p.builtin.kernelName,
        builtinMissing: absent ? 'absent' : skipped ? 'skipped' : null,
        handmadeMs: hm.ms, builtinMs: bi?.ms ?? null,
        ratio: bi == null ? null : bi.ms / hm.ms,
        gflops: p.flops ? {handmade: gf(hm.ms), builtin: bi == null ? null : gf(bi.ms)} : null,
        handmadeRuns: hm.runs, builtinRuns: bi?.runs ?? 0,
      };
      rows.push(row);
      await onRow(row);
    }
    disposePairs(pairs);
  }
  return rows;
}

/** A webgl tensor made from values is uploaded by the first program that reads it: upload every
 *  input before timing, so that no kernel's first call pays for the others. */
function uploadInputs(pairs: KernelPair[]): void {
  for (const t of inputsOf(pairs)) tf.tidy(() => tf.mul(t, 1).dataSync());
}

function inputsOf(pairs: KernelPair[]): Set<Tensor> {
  const tensors = new Set<Tensor>();
  for (const p of pairs) {
    for (const call of [p.handmade, p.builtin]) {
      for (const t of Object.values(call.inputs)) tensors.add(t as Tensor);
    }
  }
  return tensors;
}

function disposePairs(pairs: KernelPair[]): void {
  tf.dispose([...inputsOf(pairs)]);
}
