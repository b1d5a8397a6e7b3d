// The public ops. Same signatures and defaults as tf.conv2d, tf.maxPool and tf.fused.conv2d, so a
// call site changes by one prefix; they validate everything, then run one kernel of the table,
// and gradients flow through the table's gradients.

import type {
  NamedAttrMap,
  NamedTensorMap,
  Tensor,
  Tensor3D,
  Tensor4D,
  TensorLike,
} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import {checkDataFormat, depthwiseAsGrouped} from '../kernels/checks';
import {
  Activation,
  ACTIVATIONS,
  DataFormat,
  HandmadeConv2D,
  HandmadeFusedConv2D,
  HandmadeMaxPool,
  PadSpec,
  Pair,
  RoundingMode,
} from '../kernels/names';
import {runKernel} from '../kernels/run';
import {asFloatTensor, checkConv, checkOperand, checkPool, checkRank, fail, show} from './validate';

type Input<T extends Tensor> = T | TensorLike;

/** Runs `body` on x as rank 4, restoring rank 3 on the result when x was rank 3. */
function asBatch<R extends Tensor>(x: Tensor, body: (x4: Tensor4D) => Tensor4D): R {
  if (x.rank === 4) return body(x as Tensor4D) as unknown as R;
  const y = body(tf.expandDims(x, 0) as Tensor4D);
  return tf.squeeze(y, [0]) as R;
}

interface ConvOptions {
  strides: number | Pair;
  pad: PadSpec;
  dataFormat: DataFormat;
  dilations: number | Pair;
  dimRoundingMode?: RoundingMode;
}

/** A depthwise filter [fh, fw, C, M] of x4 as the grouped filter [fh, fw, 1, C * M] it is in
 *  memory (a reshape: the gradient reaches the depthwise filter through it). */
function asGroupedFilter(op: string, x4: Tensor4D, filter: Tensor, dataFormat: DataFormat) {
  checkRank(op, 'filter', filter, [4]);
  checkDataFormat(op, dataFormat);
  return tf.reshape(filter, depthwiseAsGrouped(op, x4.shape, filter.shape, dataFormat));
}

function convOp<T extends Tensor3D | Tensor4D>(
  op: string,
  x: Input<T>,
  filter: Input<Tensor4D>,
  options: ConvOptions,
  depthwise: boolean,
): T {
  const $x = asFloatTensor(op, 'x', x);
  const $filter = asFloatTensor(op, 'filter', filter);
  checkRank(op, 'x', $x, [3, 4]);
  return asBatch<T>($x, (x4) => {
    const w = depthwise ? asGroupedFilter(op, x4, $filter, options.dataFormat) : $filter;
    const {attrs} = checkConv(op, x4, w, options);
    return tf
      .engine()
      .runKernel(HandmadeConv2D, {x: x4, filter: w}, attrs as unknown as NamedAttrMap) as Tensor4D;
  });
}

function conv2d_<T extends Tensor3D | Tensor4D>(
  x: Input<T>,
  filter: Input<Tensor4D>,
  strides: number | Pair,
  pad: PadSpec,
  dataFormat: DataFormat = 'NHWC',
  dilations: number | Pair = [1, 1],
  dimRoundingMode?: RoundingMode,
): T {
  const options = {strides, pad, dataFormat, dilations, dimRoundingMode};
  return convOp('hm.conv2d', x, filter, options, false);
}

/** tf.depthwiseConv2d's job: filter [fh, fw, inC, multiplier], output channel d1 * multiplier + q
 *  from input channel d1 alone. It is the grouped convolution with groups = inC, whose filter
 *  [fh, fw, 1, inC * multiplier] holds the same values in the same order. */
function depthwiseConv2d_<T extends Tensor3D | Tensor4D>(
  x: Input<T>,
  filter: Input<Tensor4D>,
  strides: number | Pair,
  pad: PadSpec,
  dataFormat: DataFormat = 'NHWC',
  dilations: number | Pair = [1, 1],
  dimRoundingMode?: RoundingMode,
): T {
  const options = {strides, pad, dataFormat, dilations, dimRoundingMode};
  return convOp('hm.depthwiseConv2d', x, filter, options, true);
}

function maxPool_<T extends Tensor3D | Tensor4D>(
  x: Input<T>,
  filterSize: number | Pair,
  strides: number | Pair,
  pad: PadSpec,
  dimRoundingMode?: RoundingMode,
  dataFormat: DataFormat = 'NHWC',
  dilations: number | Pair = 1,
): T {
  const op = 'hm.maxPool';
  const $x = asFloatTensor(op, 'x', x);
  checkRank(op, 'x', $x, [3, 4]);
  return asBatch<T>($x, (x4) => {
    const {attrs} = checkPool(op, x4, {
      filterSize,
      strides,
      pad,
      dimRoundingMode,
      dataFormat,
      dilations,
    });
    const [y, argmax] = tf
      .engine()
      .runKernel(HandmadeMaxPool, {x: x4}, attrs as unknown as NamedAttrMap) as Tensor4D[];
    argmax.dispose(); // the gradient keeps its own reference
    return y;
  });
}

export interface FusedConv2DArgs<T extends Tensor3D | Tensor4D> {
  x: Input<T>;
  filter: Input<Tensor4D>;
  strides: number | Pair;
  pad: PadSpec;
  dataFormat?: DataFormat;
  dilations?: number | Pair;
  dimRoundingMode?: RoundingMode;
  bias?: Input<Tensor>;
  activation?: Activation;
  preluActivationWeights?: Input<Tensor>;
  leakyreluAlpha?: number;
}

function fusedConvOp<T extends Tensor3D | Tensor4D>(
  op: string,
  {
    x,
    filter,
    strides,
    pad,
    dataFormat = 'NHWC',
    dilations = [1, 1],
    dimRoundingMode,
    bias,
    activation = 'linear',
    preluActivationWeights,
    leakyreluAlpha = 0.2,
  }: FusedConv2DArgs<T>,
  depthwise: boolean,
): T {
  const $x = asFloatTensor(op, 'x', x);
  const $filter = asFloatTensor(op, 'filter', filter);
  checkRank(op, 'x', $x, [3, 4]);
  if (!ACTIVATIONS.includes(activation)) {
    fail(
      op,
      `activation must be one of ${ACTIVATIONS.join(', ')}, got ${show(activation)}`,
      'activation',
    );
  }
  if (typeof leakyreluAlpha !== 'number' || !Number.isFinite(leakyreluAlpha)) {
    fail(
      op,
      `leakyreluAlpha must be a finite number, got ${show(leakyreluAlpha)}`,
      'leakyreluAlpha',
    );
  }
  const $bias = bias == null ? null : asFloatTensor(op, 'bias', bias);
  const $prelu =
    preluActivationWeights == null
      ? null
      : asFloatTensor(op, 'preluActivationWeights', preluActivationWeights);
  if (activation === 'prelu' && $prelu == null) {
    fail(op, `activation 'prelu' needs preluActivationWeights`);
  }
  return asBatch<T>($x, (x4) => {
    const w = depthwise ? asGroupedFilter(op, x4, $filter, dataFormat) : $filter;
    const {attrs, geometry} = checkConv(op, x4, w, {
      strides,
      pad,
      dataFormat,
      dilations,
      dimRoundingMode,
    });
    if ($bias != null) checkOperand(op, 'bias', $bias, geometry);
    if ($prelu != null) checkOperand(op, 'preluActivationWeights', $prelu, geometry);
    // Where a gradient is being recorded, a scalar 0 stands in for an absent operand: the
    // gradient can only save inputs that exist. Elsewhere the kernel takes it as absent, and no
    // tensor is made for it (on webgl each would be a texture uploaded per call).
    const inputs: NamedTensorMap = {x: x4, filter: w};
    const recording = tf.engine().state.gradientDepth > 0;
    const bias = $bias ?? (recording ? tf.scalar(0) : null);
    const prelu = $prelu ?? (recording ? tf.scalar(0) : null);
    if (bias != null) inputs.bias = bias;
    if (prelu != null) inputs.preluActivationWeights = prelu;
    return runKernel(HandmadeFusedConv2D, inputs, {
      ...attrs,
      activation,
      leakyreluAlpha,
    }) as Tensor4D;
  });
}

function fusedConv2d_<T extends Tensor3D | Tensor4D>(args: FusedConv2DArgs<T>): T {
  return fusedConvOp('hm.fused.conv2d', args, false);
}

/** tf.fused.depthwiseConv2d's job: the depthwise convolution (depthwiseConv2d_ above), then bias
 *  and activation as the kernel writes. */
function fusedDepthwiseConv2d_<T extends Tensor3D | Tensor4D>(args: FusedConv2DArgs<T>): T {
  return fusedConvOp('hm.fused.depthwiseConv2d', args, true);
}

export const conv2d = tf.op({hmConv2d_: conv2d_});
export const depthwiseConv2d = tf.op({hmDepthwiseConv2d_: depthwiseConv2d_});
export const maxPool = tf.op({hmMaxPool_: maxPool_});
export const fused = {
  conv2d: tf.op({hmFusedConv2d_: fusedConv2d_}),
  depthwiseConv2d: tf.op({hmFusedDepthwiseConv2d_: fusedDepthwiseConv2d_}),
};
