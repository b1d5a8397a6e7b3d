// The timing of hm.compare, the compare command and `npm run bench`, in node and in a page: a
// timed call is one tf.engine().runKernel on the active backend, its first output read back with
// dataSync (the handmade max pool's argmax, its second output, stays on the backend, as in
// training). On webgl a sample queues QUEUED_CALLS calls or more back to back and reads back only
// the last one's output, which waits until the GPU has finished them all: a model reads back its
// output, not every layer's, and reading a layer's output back costs on SwiftShader as much as
// the layer or more (measured: x[1,112,112,16] * [1,1,16,96], 17 ms a call queued, 43-51 ms read
// back each time), the same for both kernels, which would hide most of their difference.

import type {NamedAttrMap, NamedTensorMap, Tensor} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import {runKernelOutputs} from '../../kernels/run';

/** One kernel call: a kernel name, its inputs and attributes. */
export interface KernelCall {
  kernelName: string;
  inputs: NamedTensorMap;
  attrs: NamedAttrMap;
}

export interface TimingOptions {
  /** Timed samples at least, per kernel. */
  runs: number;
  /** A built-in call slower than this is timed by one call only (ms). */
  capMs: number;
}

export interface Timing {
  /** The median time of one call. */
  ms: number;
  /** Samples behind the median; 1 when the call was over the cap. */
  runs: number;
}

/** Runs a call and returns its outputs. */
export function runCall(call: KernelCall): Tensor[] {
  return runKernelOutputs(call.kernelName, call.inputs, call.attrs);
}

/** On webgl, the fewest calls a sample queues before it reads back. */
export const QUEUED_CALLS = 4;

/** `calls` calls timed together, each read back or (`queued`) only the last; the time of one. */
function sample(call: KernelCall, calls: number, queued = false): number {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const outs = runCall(call);
    if (!queued || i === calls - 1) outs[0].dataSync();
    for (const t of outs) t.dispose();
  }
  return (performance.now() - t0) / calls;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A sample lasts at least this long (several calls of a fast kernel), so that a coarse clock (a
 *  page's performance.now() may step by 0.1 ms) does not quantise it. */
const MIN_SAMPLE_MS = 1;

/** The backends on which a pair has been timed in this process. */
const warmedBackends = new Set<string>();

/** Warm-up, then the median of at least `runs` samples of each kernel (more for fast kernels, up
 *  to half a second each). The handmade and built-in samples alternate, so that both see the
 *  same machine load. A kernel whose first call is over the cap is timed by one call alone, so
 *  that a big shape on SwiftShader or tfjs's cpu Conv2DBackpropFilter does not take minutes: on
 *  webgl by its second call (the first compiles the shaders), elsewhere by the first. */
export function timePair(
  handmade: KernelCall,
  builtin: KernelCall | null,
  opts: TimingOptions,
): {handmade: Timing; builtin: Timing | null} {
  const compiles = tf.getBackend() === 'webgl';
  // Both kernels start from a collected heap where the engine lets a script collect (node
  // --expose-gc, as `npm run bench` runs): the garbage of the rows before (tfjs's cpu kernels
  // allocate hundreds of MB on the big shapes) otherwise lands in whichever calls come next.
  (globalThis as {gc?: () => void}).gc?.();
  // The last warm-up call's time (which sizes the samples), and the timing where the first call
  // alone is it (over the cap).
  // The first pair timed on a backend warms up ten times longer: its kernels are the first of
  // their WebAssembly modules to run (the SIMD module's instance on that backend, tfjs-wasm's),
  // and their optimised code took seconds to arrive on a busy 2-core machine (the first row of
  // a run measured 0.79x where it measured 1.2x in a later position).
  const [minWarm, maxWarm, maxCalls] = warmedBackends.has(tf.getBackend())
    ? [150, 300, 500]
    : [1500, 3000, 20000];
  warmedBackends.add(tf.getBackend());
  const warmUp = (call: KernelCall, extra: number): {lastMs: number; single: number | null} => {
    const first = sample(call, 1);
    if (first > opts.capMs) return {lastMs: first, single: compiles ? sample(call, 1) : first};
    // At least `extra` more calls, and more (up to maxCalls) until minWarm ms have run: V8 runs the
    // first calls of a WebAssembly function on its baseline compiler, several times slower, until
    // its optimised code, compiled in the background, takes over.
    let warm = first;
    let last = first;
    for (let i = 0; (i < extra || warm < minWarm) && i < maxCalls && warm < maxWarm; i++) {
      last = sample(call, 1);
      warm += last;
    }
    return {lastMs: last, single: null};
  };
  const hm = warmUp(handmade, 3);
  const bi = builtin == null ? null : warmUp(builtin, 2);
  const batch = (ms: number) =>
    Math.min(
      100,
      Math.max(compiles ? QUEUED_CALLS : 1, Math.ceil(MIN_SAMPLE_MS / Math.max(ms, 1e-3))),
    );
  const hmCalls = batch(hm.lastMs);
  const biCalls = bi == null ? 1 : batch(bi.lastMs);
  const timeHandmade = hm.single == null;
  const timeBuiltin = builtin != null && bi != null && bi.single == null;
  const hmSamples: number[] = [];
  const biSamples: number[] = [];
  let hmSpent = 0;
  let biSpent = 0;
  const enough = (samples: number[], spent: number) =>
    samples.length >= opts.runs && (spent >= 500 || samples.length >= 50);
  while (
    (timeHandmade && !enough(hmSamples, hmSpent)) ||
    (timeBuiltin && !enough(biSamples, biSpent))
  ) {
    if (timeHandmade && !enough(hmSamples, hmSpent)) {
      hmSamples.push(sample(handmade, hmCalls, compiles));
      hmSpent += hmSamples[hmSamples.length - 1] * hmCalls;
    }
    if (builtin != null && timeBuiltin && !enough(biSamples, biSpent)) {
      biSamples.push(sample(builtin, biCalls, compiles));
      biSpent += biSamples[biSamples.length - 1] * biCalls;
    }
  }
  return {
    handmade:
      hm.single != null
        ? {ms: hm.single, runs: 1}
        : {ms: median(hmSamples), runs: hmSamples.length},
    builtin:
      bi == null
        ? null
        : bi.single != null
          ? {ms: bi.single, runs: 1}
          : {ms: median(biSamples), runs: biSamples.length},
  };
}
