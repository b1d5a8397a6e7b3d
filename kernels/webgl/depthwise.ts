// The depthwise convolution on webgl (dispatch.ts, isDepthwise): NHWC, one input channel per
// group. Its forward (fused or not), input gradient and filter gradient each run the programs of
// programs/depthwise_programs.ts on packed textures, reading x, dy and W where they lie.

import type {TensorInfo} from '@tensorflow/tfjs-core';

import type {ConvGeometry} from '../geometry';
import {packedTexelWidth, WebGLBackend} from './backend';
import type {FusedPart} from './conv2d';
import {
  DepthwiseFilterPartsProgram,
  DepthwiseFilterSumProgram,
  DepthwiseInputGradientProgram,
  DepthwiseProgram,
  filterParts,
} from './programs/depthwise_programs';

/** y = depthwise conv2d(x, W) (with `fused`, act(y + bias)). */
export function depthwiseConv2d(
  gl: WebGLBackend,
  g: ConvGeometry,
  x: TensorInfo,
  filter: TensorInfo,
  fused?: FusedPart,
): TensorInfo {
  const widths = {x: packedTexelWidth(gl, x), W: packedTexelWidth(gl, filter)};
  return gl.runWebGLProgram(
    new DepthwiseProgram(g, widths, fused?.epilogue),
    [x, filter, ...(fused?.inputs ?? [])],
    'float32',
    fused?.uniforms,
  );
}

/** dx of the depthwise convolution. */
export function depthwiseInputGradient(
  gl: WebGLBackend,
  g: ConvGeometry,
  dy: TensorInfo,
  filter: TensorInfo,
): TensorInfo {
  const widths = {dy: packedTexelWidth(gl, dy), W: packedTexelWidth(gl, filter)};
  return gl.runWebGLProgram(new DepthwiseInputGradientProgram(g, widths), [dy, filter], 'float32');
}

/** dW of the depthwise convolution: sums over parts of dy's rows, then the parts added. */
export function depthwiseFilterGradient(
  gl: WebGLBackend,
  g: ConvGeometry,
  x: TensorInfo,
  dy: TensorInfo,
): TensorInfo {
  const p = filterParts(g);
  const widths = {x: packedTexelWidth(gl, x), dy: packedTexelWidth(gl, dy)};
  const parts = gl.runWebGLProgram(
    new DepthwiseFilterPartsProgram(g, p, widths),
    [x, dy],
    'float32',
  );
  const dW = gl.runWebGLProgram(new DepthwiseFilterSumProgram(g, p), [parts], 'float32');
  gl.disposeIntermediateTensorInfo(parts);
  return dW;
}
