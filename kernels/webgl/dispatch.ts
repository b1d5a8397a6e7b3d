// Which program runs for a geometry, on the webgl backend: every choice of the webgl kernels, as
// functions of the geometry alone, with the measurements behind their thresholds. The kernels
// (conv2d.ts, conv2d_backprop_input.ts, max_pool_grad.ts, programs/columns_program.ts) call
// these, and the dispatch-edge tests (test/cases/webgl_paths.ts) assert them, so that a moved
// threshold cannot silently move what a test covers.

import type {ConvGeometry} from '../geometry';
import type {ColumnsLayout} from './programs/columns_program';

// Below this many input channels the packed-input program's reads of x per tap cost more than
// laying the columns out: measured on SwiftShader, x[32,14,14,8] * [5,5,8,16] took 12.8 ms on the
// packed-input program and 15.1 ms over the columns; x[32,28,28,1] * [5,5,1,8] ran 1.2x tfjs's
// Conv2D on an unpacked-input 2x2-block program and 1.5x over the columns.
export const PACKED_INPUTS_MIN_CHANNELS = 8;

// Depthwise geometry took the grouped paths at 0.26-0.40x tfjs's own depthwise kernels forward,
// 0.5-0.6x for dx and 0.5-1.1x for dW (SwiftShader, 3x3 'same' on x[1,56,56,144] s1,
// x[1,112,112,96] s2, x[1,14,14,576] s1, x[8,28,28,192] s1). On the depthwise programs the same
// shapes ran, against DepthwiseConv2dNative and its two gradients in the same page run, forward
// 1.7-2.6x, dx 3.0-4.9x and dW 2.0-7.1x; x[1,7,7,960] 1.3-1.6x, 2.1-2.6x and 1.2-2.2x.

/** Whether g is a depthwise convolution, NHWC with one input channel per group and more than one
 *  group: the depthwise programs take its forward and both gradients
 *  (programs/depthwise_programs.ts). */
export function isDepthwise(g: ConvGeometry): boolean {
  return g.dataFormat === 'NHWC' && g.groups > 1 && g.inChannelsPerGroup === 1;
}

/** The forward convolution's program:
 *  - 'depthwise': isDepthwise (programs/depthwise_programs.ts);
 *  - 'packed inputs': NHWC, one group, an even number of input channels from
 *    PACKED_INPUTS_MIN_CHANNELS: 2x2 blocks of y over packed x and W
 *    (programs/conv2d_packed_inputs_program.ts);
 *  - 'columns': NHWC where each group's output channels pair up: im2col(x) · W over x laid out by
 *    filter column (programs/columns_program.ts, programs/conv2d_columns_program.ts);
 *  - 'one element': NCHW (read in place), or groups of an odd number of output channels
 *    (programs/conv2d_program.ts). */
export type ForwardPath = 'depthwise' | 'packed inputs' | 'columns' | 'one element';

export function forwardPath(g: ConvGeometry): ForwardPath {
  if (g.dataFormat !== 'NHWC') return 'one element';
  if (isDepthwise(g)) return 'depthwise';
  if (g.groups === 1 && g.inChannels % 2 === 0 && g.inChannels >= PACKED_INPUTS_MIN_CHANNELS) {
    return 'packed inputs';
  }
  return g.groups === 1 || g.outChannelsPerGroup % 2 === 0 ? 'columns' : 'one element';
}

/** Whether the packed-input path first subsamples x (programs/subsample_program.ts): a 1x1
 *  filter at a stride above 1 without padding reads x at every s-th position, so its texels of x
 *  are each half used, and read once per texel of W's output channels; subsampled, x is read once
 *  and the convolution is the matrix product of the textures ('pointwise',
 *  programs/conv2d_packed_inputs_program.ts). */
export function subsamplesFirst(g: ConvGeometry): boolean {
  return (
    forwardPath(g) === 'packed inputs' &&
    unpadded1x1(g) &&
    (g.strideHeight > 1 || g.strideWidth > 1)
  );
}

/** Whether g's filter is 1x1 and no side of x is padded. */
export function unpadded1x1(g: ConvGeometry): boolean {
  const p = g.padInfo;
  return (
    g.filterHeight === 1 &&
    g.filterWidth === 1 &&
    p.top === 0 &&
    p.bottom === 0 &&
    p.left === 0 &&
    p.right === 0
  );
}

// From this many input channels a 1x1 filter's product runs as four quarters of y
// (pointwise_blocks.ts), where the packed-input program writes one texel a fragment: measured on
// SwiftShader against tfjs's FusedConv2D, one texel read back, x[1,112,112,16] · [16,96] 1.52x
// where the packed-input program ran 1.19x, x[1,28,28,32] · [32,192] 1.41x against 1.23x,
// x[1,56,56,64] · [64,64] 1.59x against 1.12x.
export const BLOCKS_MIN_CHANNELS = 16;

/** Whether the forward's product runs as quarters of y (pointwise_blocks.ts): a 1x1 filter
 *  without padding (at a stride, after the subsample) on the packed-input path, from
 *  BLOCKS_MIN_CHANNELS input channels, where y's natural packed texture is two texels wide and
 *  high or more (3 output channels; two texel rows of positions). pointwise_blocks.ts runs it
 *  where the textures do lie in their natural shapes. */
export function pointwiseBlocks(g: ConvGeometry): boolean {
  return (
    forwardPath(g) === 'packed inputs' &&
    unpadded1x1(g) &&
    g.inChannels >= BLOCKS_MIN_CHANNELS &&
    g.outChannels >= 3 &&
    g.batchSize * g.outHeight * Math.ceil(g.outWidth / 2) >= 2
  );
}

/** How ColumnsProgram reads x into a texel of columns:
 *  - 'channel pairs': NHWC with channel lanes whose pairs start at even channels of x, two reads;
 *  - 'tap runs': NHWC with tap lanes (one input channel) at unit stride and dilation, two reads;
 *  - 'lanes': otherwise each of the four lanes read on its own. */
export type ColumnsReader = 'channel pairs' | 'tap runs' | 'lanes';

export function columnsReader(g: ConvGeometry, l: ColumnsLayout): ColumnsReader {
  if (g.dataFormat !== 'NHWC') return 'lanes';
  if (!l.tapLanes && (g.groups === 1 || g.inChannelsPerGroup % 2 === 0)) return 'channel pairs';
  return l.tapLanes && g.strideWidth === 1 && g.dilationWidth === 1 ? 'tap runs' : 'lanes';
}

// dy's channels are the summed ones of the forward convolution: the packed-input program needs
// them even, and pays for packing dy from 8 on (as PACKED_INPUTS_MIN_CHANNELS). Measured on
// SwiftShader against tfjs's Conv2DBackpropInput: x[8,56,56,64] * [3,3,64,64] ran 0.84x as a
// gather, 2.8x as col2im of the product and 3.4x as a forward convolution; x[32,28,28,1] *
// [5,5,1,8] 1.9x, 1.6x and 2.9x.
export const AS_CONV_MIN_CHANNELS = 8;
// col2im's product dy · Wᵀ holds fh*fw*inC values per output position: a scratch texture of up
// to 16 Mi values (64 MiB) is allowed it; past that the blocks gather runs, which needs none.
export const MAX_PRODUCT_VALUES = 1 << 24;

/** The texels of col2im's product: [output positions, taps * input channels]. */
export function productTexels(g: ConvGeometry): [number, number] {
  return [
    g.batchSize * g.outHeight * Math.ceil(g.outWidth / 2),
    g.filterHeight * g.filterWidth * Math.ceil(g.inChannels / 2),
  ];
}

/** The input gradient's program (NHWC without groups unless said):
 *  - 'depthwise': isDepthwise, a gather of dy and W (programs/depthwise_programs.ts);
 *  - 'forward conv': at stride 1 and dilation 1 with an even number of output channels from
 *    AS_CONV_MIN_CHANNELS, the forward convolution of dy by the rotated filter (geometry.ts,
 *    inputGradientAsConv) on the packed-input program;
 *  - 'col2im': while the product fits MAX_PRODUCT_VALUES, col2im(dy · Wᵀ): one matrix product
 *    (programs/gemm_program.ts), then a gather of its columns (programs/col2im_program.ts);
 *  - 'blocks gather': beyond that, a gather of dy and W, 2x2 blocks of dx per fragment
 *    (programs/conv2d_backprop_input_blocks_program.ts);
 *  - 'one element': NCHW or groups > 1, a gather per dx element
 *    (programs/conv2d_backprop_input_program.ts). */
export type InputGradientPath =
  'depthwise' | 'forward conv' | 'col2im' | 'blocks gather' | 'one element';

export function inputGradientPath(g: ConvGeometry): InputGradientPath {
  if (isDepthwise(g)) return 'depthwise';
  if (g.dataFormat !== 'NHWC' || g.groups !== 1) return 'one element';
  if (
    g.strideHeight === 1 &&
    g.strideWidth === 1 &&
    g.dilationHeight === 1 &&
    g.dilationWidth === 1 &&
    g.outChannels % 2 === 0 &&
    g.outChannels >= AS_CONV_MIN_CHANNELS
  ) {
    return 'forward conv';
  }
  const [positions, taps] = productTexels(g);
  return 4 * positions * taps <= MAX_PRODUCT_VALUES ? 'col2im' : 'blocks gather';
}

/** The filter gradient's program:
 *  - 'depthwise': isDepthwise, sums over parts of dy's rows, then the parts added
 *    (programs/depthwise_programs.ts);
 *  - 'columns product': one matrix product per group over x laid out by filter column
 *    (programs/conv2d_backprop_filter_gemm_programs.ts). */
export type FilterGradientPath = 'depthwise' | 'columns product';

export function filterGradientPath(g: ConvGeometry): FilterGradientPath {
  return isDepthwise(g) ? 'depthwise' : 'columns product';
}
