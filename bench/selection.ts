// What a bench run selects, the same in node and in the page: the sets of cases it times
// (--set: the training-sized reference shapes, the inference cases of pretrained models at batch
// 1, MobileNetV2's depthwise convolutions at batch 1 and 8), the cases by name (--only), the
// handmade kernels (--kernels), the runs and the cap, and --quick.

import * as names from '../kernels/names';
import {CompareCase, DEPTHWISE_CASES, INFERENCE_CASES, REFERENCE_CASES} from '../src/compare/cases';
import type {ActiveBackendOptions} from '../src/compare/compare';
import type {KernelJob} from '../src/compare/jobs';

export type CaseSet = 'reference' | 'inference' | 'depthwise';
export const CASE_SETS: readonly CaseSet[] = ['reference', 'inference', 'depthwise'];

export interface BenchSelection {
  quick: boolean;
  /** The sets of cases to run. */
  sets: CaseSet[];
  /** Timed samples at least, per kernel. */
  runs: number;
  /** A call slower than this is timed by one call only (ms). */
  capMs: number;
  /** Case names (c1, p2, ...) to run; null for all. */
  only: string[] | null;
  /** Handmade kernel names to run; null for all. */
  kernels: string[] | null;
}

/** The cases of a set. */
export function casesOf(set: CaseSet): CompareCase[] {
  return set === 'reference'
    ? REFERENCE_CASES
    : set === 'inference'
      ? INFERENCE_CASES
      : DEPTHWISE_CASES;
}

export function selectedCases(s: BenchSelection): CompareCase[] {
  return s.sets
    .flatMap((set) => casesOf(set))
    .filter((c) => s.only == null || s.only.includes(c.name ?? ''));
}

/** In --quick mode, the cpu backend's built-in Conv2DBackpropFilter is skipped where it runs
 *  > ~10 s (it reaches about 0.04 GFLOP/s). */
function skipsBuiltin(quick: boolean) {
  return (job: KernelJob, backend: string) =>
    quick &&
    backend === 'cpu' &&
    job.kernel === names.HandmadeConv2DBackpropFilter &&
    job.flops > 0.4e9;
}

export function benchOptions(s: BenchSelection): ActiveBackendOptions {
  return {
    runs: s.runs,
    capMs: s.capMs,
    kernels: s.kernels,
    check: true,
    skipBuiltin: skipsBuiltin(s.quick),
  };
}
