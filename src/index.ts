// tfjs-handmade: hand-written conv2d and max-pool kernels for TensorFlow.js, forward and backward.
// Importing this module registers the Handmade* kernels and their gradients.

import './register';

export {conv2d, fused, maxPool} from './ops';
export type {FusedConv2DArgs} from './ops';
export {KERNEL_TABLE, BACKENDS} from './kernel_table';
export type {KernelRow, BackendName} from './kernel_table';
export {registerHandmadeKernels, installAsBuiltins, uninstallBuiltins, builtinsInstalledOn}
    from './register';
export type {InstallOptions} from './register';
export * as layers from './layers';
export * from '../kernels/names';
export {scratchStats, releaseScratch, SCRATCH_LIMIT_BYTES} from '../kernels/cpu/scratch';
export {setHostPath, hostPath, simdSupported, simdStats, SIMD_MEMORY_BYTES} from '../kernels/simd/runtime';
export type {HostPath} from '../kernels/simd/runtime';
export {compare, tolerances} from './compare/compare';
export type {CompareOptions, CompareRow} from './compare/compare';
export {FULL_CASES, QUICK_CASES, REFERENCE_CASES} from './compare/cases';
export type {CompareCase} from './compare/cases';
