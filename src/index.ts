// tfjs-handmade: hand-written conv2d and max-pool kernels for TensorFlow.js, forward and backward.
// Importing this module registers the Handmade* kernels and their gradients.

import './register';

export {releaseScratch, SCRATCH_LIMIT_BYTES, scratchStats} from '../kernels/cpu/scratch';
export * from '../kernels/names';
export type {HostPath} from '../kernels/simd/runtime';
export {
  hostPath,
  setHostPath,
  SIMD_MEMORY_BYTES,
  simdStats,
  simdSupported,
} from '../kernels/simd/runtime';
export type {CompareCase} from './compare/cases';
export {FULL_CASES, QUICK_CASES, REFERENCE_CASES} from './compare/cases';
export type {CompareOptions, CompareRow} from './compare/compare';
export {compare, tolerances} from './compare/compare';
/** The harness's seeded generator (mulberry32): seededRandom(seed)() draws from [0, 1). */
export {rng as seededRandom} from './compare/random';
export type {BackendName, KernelRow} from './kernel_table';
export {BACKENDS, KERNEL_TABLE} from './kernel_table';
export * as layers from './layers';
export type {FusedConv2DArgs} from './ops';
export {conv2d, depthwiseConv2d, fused, maxPool} from './ops';
export type {InstallOptions} from './register';
export {
  builtinsInstalledOn,
  installAsBuiltins,
  registerHandmadeKernels,
  uninstallBuiltins,
} from './register';
