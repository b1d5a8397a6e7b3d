// The host kernels' WebAssembly module: its exports, compiled by scripts/build_simd.mjs into
// kernels/simd/module.ts. Every function works on the module's own memory, at byte addresses
// that kernels/simd/runtime.ts lays out; nothing here allocates.
//
// cellSums4, cellSums8, tapSums, rowTiles, tileRuns and tileTaps are exported for a reason of
// speed, not to be called from outside: a function with one caller is inlined by the optimiser,
// and inlined into the loops of inputGradFew, filterGradFew and convTaps their loops lost their
// registers under V8 and ran 1.2-2.6x slower (measured on c1's and c2's shapes); an exported
// function stays a function of its own. So are rowTile, for gemm's loop, depthwiseTile4,
// depthwiseCell and depthwiseTapSums1 to 4, for depthwiseGather's and depthwiseFilterGrad's
// loops, and maxPoolValuesFew and windowMax, for the max pool's (with maxPoolValuesFew inlined,
// maxPoolValues' wide walks lost registers).

export {blockChannels, cellSums4, cellSums8, filterGradFew, inputGradFew, tapSums} from './few';
export {
  depthwiseAxis,
  depthwiseCell,
  depthwiseFilterGrad,
  depthwiseGather,
  depthwiseReduce,
  depthwiseSpread,
  depthwiseTapSums1,
  depthwiseTapSums2,
  depthwiseTapSums3,
  depthwiseTapSums4,
  depthwiseTile4,
  depthwiseTile4By3,
} from './depthwise';
export {biasActivation, finishWith} from './epilogue';
export {allFinite} from './finite';
export {gemm, packB, rowTile, setEdge} from './gemm';
export {col2im, im2col, setWindows} from './im2col';
export {
  maxPool,
  maxPoolGrad,
  maxPoolValues,
  maxPoolValuesFew,
  setPool,
  windowMax,
} from './max_pool';
export {filterGradRows, padImage} from './rows';
export {convTaps, rowTiles, setTaps, tileRuns, tileTaps} from './taps';
