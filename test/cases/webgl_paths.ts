// The fast paths of the webgl kernels and the edges of their dispatch conditions, which the
// sweeps (small images, at most 10 channels) do not all reach. Each case names the paths it is
// there to take (kernels/webgl/dispatch.ts): test/webgl_dispatch.test.ts asserts them in node,
// so that a moved threshold fails a test instead of moving coverage; the browser runs the cases
// against the reference (test/browser/webgl_sweep.test.ts).
//   The forward: packed x and W from 8 input channels when that count is even, else the product
// over x laid out by filter column (tap lanes at one input channel, two reads per texel at unit
// stride), else (NCHW, groups of an odd number of output channels) the one-element program. The
// input gradient: a forward convolution at stride 1 from 8 (even) output channels, else col2im of
// one product, else (past the product's bound) a gather. The filter gradient: one product over
// the columns in parts of the batch, dy read as it is or copied. The max-pool gradient: one
// window by a division where the windows tile, a range without dilation, else every tap.

import type {ConvAttrs, PoolAttrs} from '../../kernels/names';
import {ACTIVATIONS} from '../../kernels/names';
import type {
  ColumnsReader,
  FilterGradientPath,
  ForwardPath,
  InputGradientPath,
} from '../../kernels/webgl/dispatch';
import type {WindowSearch} from '../../kernels/webgl/programs/windows';
import {FusedCase, fusedCaseOf} from './fused';
import {ConvCase, convCase, PoolCase, poolCaseName} from './sweeps';

/** The webgl paths a conv case is there to take; unnamed ones are not asserted. */
export interface WebglConvPaths {
  forward?: ForwardPath;
  /** how x's columns are read (the forward's 'columns' path, and every filter gradient) */
  columns?: ColumnsReader;
  inputGradient?: InputGradientPath;
  /** whether the filter gradient reads dy as it lies */
  dyAsIs?: boolean;
  /** the filter gradient's parts of the batch */
  splits?: number;
  /** whether the packed-input forward subsamples x first (a strided 1x1 filter) */
  subsample?: boolean;
  /** whether the forward's 1x1 product runs as quarters of y (dispatch.ts, pointwiseBlocks) */
  blocks?: boolean;
}

export interface PathConvCase extends ConvCase {
  paths: WebglConvPaths;
}

export interface PathPoolCase extends PoolCase {
  /** how the max-pool gradient finds a cell's windows */
  search: WindowSearch;
}

function conv(
  xShape: number[],
  filterShape: number[],
  a: Partial<ConvAttrs>,
  paths: WebglConvPaths,
): PathConvCase {
  const seed = 9000 + (xShape.reduce((p, q) => p * 7 + q, 0) % 997);
  return {...convCase(xShape, filterShape, a, seed), paths};
}

export const FAST_PATH_CONV_CASES: PathConvCase[] = [
  conv([2, 6, 7, 8], [3, 3, 8, 5], {}, {forward: 'packed inputs'}), // packed inputs, at the threshold
  conv([1, 5, 6, 6], [3, 3, 6, 4], {strides: 2}, {forward: 'columns', columns: 'channel pairs'}), // below it: columns, channel lanes
  conv([2, 6, 7, 32], [3, 3, 32, 5], {}, {forward: 'packed inputs'}), // packed inputs
  conv([1, 5, 6, 30], [3, 3, 30, 4], {strides: 2}, {forward: 'packed inputs'}), // packed, stride 2
  conv(
    [1, 5, 5, 33],
    [2, 2, 33, 3],
    {pad: 'valid'},
    {forward: 'columns', columns: 'channel pairs'},
  ), // odd inC: columns, a padded lane
  conv([1, 9, 8, 34], [3, 3, 34, 6], {strides: 2, pad: 1}, {forward: 'packed inputs'}), // packed, columns in two texels
  conv([1, 9, 9, 32], [3, 2, 32, 3], {dilations: 2}, {forward: 'packed inputs'}), // packed, dilated
  conv(
    [1, 4, 6, 64],
    [1, 1, 64, 3],
    {},
    {forward: 'packed inputs', subsample: false, blocks: true},
  ), // packed, 1x1: quarters of one texel column
  // 1x1, y one texel wide
  conv([1, 5, 4, 32], [1, 1, 32, 2], {}, {forward: 'packed inputs', blocks: false}),
  // 1x1 at stride 2, odd sizes
  conv([1, 7, 9, 16], [1, 1, 16, 6], {strides: 2}, {subsample: true, blocks: true}),
  // quarters, at the threshold; odd texel rows and columns
  conv([2, 5, 7, 16], [1, 1, 16, 10], {}, {blocks: true}),
  // 1x1 below the threshold
  conv([1, 5, 3, 14], [1, 1, 14, 8], {}, {forward: 'packed inputs', blocks: false}),
  conv([1, 9, 5, 40], [1, 1, 40, 22], {}, {blocks: true}), // quarters, a loop over 20 texels
  conv([1, 3, 3, 34], [1, 1, 34, 4], {}, {blocks: true}), // quarters, 17 texels: a loop, a rest
  conv([2, 8, 9, 8], [1, 1, 8, 5], {strides: [3, 2], pad: 'valid'}, {subsample: true}), // 1x1 at unequal strides
  conv([1, 6, 6, 8], [1, 1, 8, 4], {strides: 2, pad: 1}, {subsample: false}), // 1x1 strided, padded
  conv([1, 8, 8, 32], [3, 3, 32, 4], {strides: 2}, {forward: 'packed inputs'}), // packed, stride 2, padLeft 0 (even)
  conv([1, 7, 9, 32], [2, 5, 32, 3], {strides: [1, 3], pad: 2}, {forward: 'packed inputs'}), // packed, 5 taps at stride 3
  conv([1, 6, 11, 36], [3, 4, 36, 2], {strides: 2, pad: 'valid'}, {forward: 'packed inputs'}), // packed, odd width, even taps
  conv([1, 129, 128, 32], [3, 3, 32, 4], {}, {forward: 'packed inputs'}), // packed, x's texture squarified
  conv([400, 7, 7, 32], [3, 3, 32, 2], {strides: 2}, {forward: 'packed inputs', splits: 29}), // packed, x's texture [B, H*W*C]
  conv([1, 5, 7, 2], [3, 3, 2, 3], {}, {forward: 'columns'}), // odd output width
  conv([2, 7, 5, 1], [5, 5, 1, 8], {strides: [1, 2]}, {forward: 'columns', columns: 'lanes'}), // one input channel: tap lanes
  conv([2, 7, 6, 1], [5, 5, 1, 8], {}, {forward: 'columns', columns: 'tap runs'}), // tap lanes at unit stride
  conv(
    [3, 6, 7, 1],
    [4, 3, 1, 4],
    {dilations: [1, 2], pad: 1},
    {forward: 'columns', columns: 'lanes'},
  ), // tap lanes, dilated columns
  conv([1, 6, 6, 3], [3, 3, 3, 4], {dilations: 2}, {forward: 'columns', columns: 'channel pairs'}), // three channels: a padded lane
  conv(
    [1, 32, 5, 5],
    [3, 3, 32, 4],
    {dataFormat: 'NCHW'},
    {forward: 'one element', columns: 'lanes', inputGradient: 'one element', dyAsIs: false},
  ), // NCHW
  conv([1, 5, 5, 32], [3, 3, 16, 4], {}, {forward: 'columns', inputGradient: 'one element'}), // groups 2 of 2 output channels
  conv([1, 5, 6, 6], [3, 3, 2, 3], {}, {forward: 'one element', inputGradient: 'one element'}), // groups of 1 output channel
  conv(
    [1, 6, 5, 8],
    [3, 3, 4, 6],
    {strides: 2},
    {forward: 'one element', inputGradient: 'one element'},
  ), // groups 2 of 3 output channels
  conv([2, 6, 7, 3], [3, 3, 3, 8], {}, {inputGradient: 'forward conv'}), // dx as a forward conv, odd inC
  conv([1, 7, 7, 3], [3, 3, 3, 5], {strides: 2}, {inputGradient: 'col2im'}), // dx col2im, odd inC and outC
  conv([1, 9, 9, 4], [3, 3, 4, 6], {dilations: 2}, {inputGradient: 'col2im'}), // dx col2im, dilated
  conv([10, 6, 6, 8], [4, 4, 8, 32], {}, {splits: 4}), // dW in 4 parts of 3, 3, 3, 1
  conv([5, 128, 128, 8], [1, 1, 8, 8], {}, {dyAsIs: false}), // dW: dy past the as-is bound
  conv([1, 104, 104, 64], [5, 5, 64, 2], {}, {inputGradient: 'blocks gather'}), // dx past the product's bound
];

// The 1x1 product as quarters of y with its epilogue, which it applies as it writes them, for
// every activation: a bias and PReLU weights of one value per output channel (as [outC] and
// as [1, 1, outC] in turn), or no bias. Other operands take the packed-input program.
export const BLOCKS_FUSED_CASES: FusedCase[] = ACTIVATIONS.map((activation, i) => {
  const c = FAST_PATH_CONV_CASES.filter((p) => p.paths.blocks === true)[i % 4];
  const outC = c.filterShape[3];
  const perChannel = i % 2 === 0 ? [outC] : [1, 1, outC];
  const biasShape = i % 3 === 2 ? null : perChannel;
  return fusedCaseOf(c, activation, biasShape, activation === 'prelu' ? perChannel : null);
});

function pool(
  xShape: number[],
  a: Partial<PoolAttrs> & {filterSize: PoolAttrs['filterSize']},
  search: WindowSearch,
): PathPoolCase {
  const attrs: PoolAttrs = {strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1, ...a};
  return {
    name: poolCaseName(xShape, attrs, String(attrs.pad)),
    xShape,
    attrs,
    seed: 9500 + (xShape.reduce((p, q) => p * 7 + q, 0) % 499),
    search,
  };
}

export const FAST_PATH_POOL_CASES: PathPoolCase[] = [
  pool([2, 6, 6, 3], {filterSize: 2, strides: 2}, 'tiled'), // tiling windows
  pool([1, 5, 7, 2], {filterSize: 2, strides: 2, pad: 'same'}, 'tiled'), // tiling, padded at the end
  pool([1, 7, 7, 2], {filterSize: 3, strides: 3, pad: 1}, 'tiled'), // tiling, padded at the start
  pool([1, 9, 9, 2], {filterSize: 3, strides: 2, pad: 'same'}, 'range'), // overlapping: a range
  pool([1, 8, 8, 2], {filterSize: 2, strides: 3}, 'range'), // gaps between windows
  pool([1, 6, 6, 2], {filterSize: 2, strides: 1, dilations: 2}, 'every tap'), // dilated: every tap
  pool([1, 2, 6, 6], {filterSize: 2, strides: 2, dataFormat: 'NCHW'}, 'tiled'),
];

// Packed inputs whose lanes past the edges hold NaN, not 0: odd channel counts (dy's lane past
// its last channel is read by dW as it is and by col2im's product), odd widths.
export const DIRTY_PADDING_CASES: PathConvCase[] = [
  conv([2, 6, 6, 3], [3, 3, 3, 5], {}, {dyAsIs: true}), // dW reads dy as it is
  conv([1, 7, 7, 3], [3, 3, 3, 5], {strides: 2}, {inputGradient: 'col2im'}), // dx col2im, K odd
  conv([1, 5, 5, 4], [3, 3, 4, 6], {}, {dyAsIs: false}), // odd widths: dy copied
  conv([2, 7, 7, 1], [5, 5, 1, 8], {}, {forward: 'columns', columns: 'tap runs'}), // columns with tap lanes
  conv([1, 5, 7, 9], [3, 3, 9, 8], {}, {forward: 'columns', inputGradient: 'forward conv'}), // forward columns, dx as conv
  conv(
    [1, 6, 7, 8],
    [3, 3, 8, 3],
    {strides: 2},
    {forward: 'packed inputs', inputGradient: 'col2im'},
  ), // packed inputs, col2im
];

export const DIRTY_PADDING_POOL_CASES: PathPoolCase[] = [
  pool([2, 6, 7, 3], {filterSize: 2, strides: 2, pad: 'same'}, 'tiled'), // tiling
  pool([1, 7, 7, 5], {filterSize: 3, strides: 2, pad: 'same'}, 'range'), // a range of windows
  pool([1, 7, 5, 3], {filterSize: 2, strides: 1, dilations: 2}, 'every tap'), // dilated: every tap
];

// Depthwise geometry (NHWC, one input channel per group, M = 1 to 3 outputs per group): the
// depthwise programs take the forward, the input gradient and the filter gradient
// (kernels/webgl/programs/depthwise_programs.ts). The cases cross M, 3x3 and 5x5 filters, strides
// 1 to 3 (the gather's three column forms), dilations 1 to 3, explicit and asymmetric pads (one
// far larger than the input, so that the live region crops the geometry), odd channel counts and
// widths, batches 1 and 2, dW in one part and in several, and an x whose texture is squarified.
export interface DepthwisePathCase extends PathConvCase {
  filterGradient: FilterGradientPath;
}

function depthwise(xShape: number[], filterShape: number[], a: Partial<ConvAttrs>) {
  const paths = {forward: 'depthwise', inputGradient: 'depthwise'} as const;
  return {...conv(xShape, filterShape, a, paths), filterGradient: 'depthwise'} as DepthwisePathCase;
}

const explicit = (t: number, b: number, l: number, r: number): ConvAttrs['pad'] => [
  [0, 0],
  [t, b],
  [l, r],
  [0, 0],
];

export const DEPTHWISE_CASES: DepthwisePathCase[] = [
  depthwise([1, 7, 8, 3], [3, 3, 1, 3], {}), // M 1, 'same', odd C
  depthwise([2, 9, 9, 5], [3, 3, 1, 5], {strides: 2}), // stride 2, odd sizes
  depthwise([1, 8, 7, 7], [5, 5, 1, 14], {pad: explicit(2, 1, 0, 3)}), // M 2, 5x5, asymmetric
  depthwise([2, 7, 9, 3], [3, 3, 1, 9], {strides: 2, pad: 1}), // M 3, stride 2
  depthwise([1, 10, 9, 4], [3, 3, 1, 4], {dilations: 2}), // dilated
  depthwise([1, 11, 10, 5], [3, 3, 1, 15], {dilations: 3, pad: 'valid'}), // M 3, dilation 3
  depthwise([1, 9, 8, 6], [5, 5, 1, 6], {strides: [1, 2]}), // 5x5, unequal strides
  depthwise([2, 8, 8, 2], [3, 3, 1, 4], {strides: [2, 1], pad: explicit(0, 2, 1, 1)}), // M 2
  depthwise([1, 9, 7, 3], [2, 5, 1, 6], {dilations: [1, 2], pad: explicit(1, 0, 3, 2)}), // M 2
  depthwise([1, 6, 7, 3], [3, 3, 1, 6], {strides: 3, pad: 2}), // stride 3: taps solved
  depthwise([1, 12, 12, 32], [3, 3, 1, 32], {}), // MobileNet's kind, stride 1
  depthwise([1, 13, 13, 24], [3, 3, 1, 24], {strides: 2}), // MobileNet's kind, stride 2
  depthwise([2, 40, 40, 3], [3, 3, 1, 3], {}), // dW in two parts
  depthwise([1, 4, 5, 3], [3, 3, 1, 6], {pad: explicit(4, 3, 0, 5)}), // live region cropped
  depthwise([1, 129, 128, 6], [3, 3, 1, 6], {}), // x's texture squarified
];

// Depthwise cases whose packed inputs' lanes past the edges hold NaN: odd channels, odd widths.
export const DEPTHWISE_DIRTY_PADDING_CASES: DepthwisePathCase[] = [
  depthwise([2, 7, 7, 3], [3, 3, 1, 3], {}), // M 1
  depthwise([1, 7, 9, 5], [3, 3, 1, 15], {strides: 2}), // M 3, stride 2
  depthwise([1, 6, 11, 3], [5, 5, 1, 6], {pad: 'valid', dilations: [1, 2]}), // M 2
];
