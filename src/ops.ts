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

function conv2d_<T extends Tensor3D | Tensor4D>(
  x: Input<T>,
  filter: Input<Tensor4D>,
  strides: number | Pair,
  pad: PadSpec,
  dataFormat: DataFormat = 'NHWC',
  dilations: number | Pair = [1, 1],
  dimRoundingMode?: RoundingMode,
): T {
  const op = 'hm.conv2d';
  const $x = asFloatTensor(op, 'x', x);
  const $filter = asFloatTensor(op, 'filter', filter);
  checkRank(op, 'x', $x, [3, 4]);
  return asBatch<T>($x, (x4) => {
    const {attrs} = checkConv(op, x4, $filter, {
      strides,
      pad,
      dataFormat,
      dilations,
      dimRoundingMode,
    });
    return tf
      .engine()
      .runKernel(
        HandmadeConv2D,
        {x: x4, filter: $filter},
        attrs as unknown as NamedAttrMap,
      ) as Tensor4D;
  });
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

function fusedConv2d_<T extends Tensor3D | Tensor4D>({
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
}: FusedConv2DArgs<T>): T {
  const op = 'hm.fused.conv2d';
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
    const {attrs, geometry} = checkConv(op, x4, $filter, {
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
    const inputs: NamedTensorMap = {x: x4, filter: $filter};
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

export const conv2d = tf.op({hmConv2d_: conv2d_});
export const maxPool = tf.op({hmMaxPool_: maxPool_});
export const fused = {conv2d: tf.op({hmFusedConv2d_: fusedConv2d_})};
