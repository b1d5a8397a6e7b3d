// The host kernels' WebAssembly module: its exports, compiled by scripts/build_simd.mjs into
// kernels/simd/module.ts. Every function works on the module's own memory, at byte addresses
// that kernels/simd/runtime.ts lays out; nothing here allocates.

export {gemm, packB, setEdge} from './gemm';
export {col2im, im2col, setWindows} from './im2col';
export {maxPool, maxPoolGrad, maxPoolValues, setPool} from './max_pool';
export {convRows, filterGradRows, padImage} from './rows';
