// HandmadeConv2D, webgl.
//   y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1]
//                   · W[wR,wC,d1,d2]
// The program is dispatch.ts's forwardPath: depthwise, packed inputs, columns, or one element per
// fragment.
// The dispatch is shared with HandmadeFusedConv2D, whose bias and activation every program
// applies as it writes y (programs/epilogue.ts).

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import type {ConvGeometry} from '../geometry';
import {convGeometry} from '../geometry';
import {HandmadeConv2D} from '../names';
import {packedOutputTexelWidth, packedTexelWidth, WebGLBackend} from './backend';
import {depthwiseConv2d} from './depthwise';
import {forwardPath, pointwiseBlocks, subsamplesFirst} from './dispatch';
import {startWebglCall} from './entry';
import {outputsOnLiveRegion} from './guards';
import {pointwiseBlocksConv2d} from './pointwise_blocks';
import {columnsLayout, ColumnsProgram} from './programs/columns_program';
import {ColumnsFilterProgram, Conv2DColumnsProgram} from './programs/conv2d_columns_program';
import {Conv2DPackedInputsProgram, texelWalk} from './programs/conv2d_packed_inputs_program';
import {Conv2DProgram, groupChannelValues} from './programs/conv2d_program';
import type {Epilogue} from './programs/epilogue';
import {SubsampleProgram} from './programs/subsample_program';
import {windowUniformValues} from './programs/uniforms';

/** HandmadeFusedConv2D's part of a conv program: its epilogue, with the epilogue's flat inputs
 *  (those of bias and PReLU weights that it reads) and uniform values (programs/epilogue.ts). */
export interface FusedPart {
  epilogue: Epilogue;
  inputs: TensorInfo[];
  uniforms: number[][];
}

/** y = conv2d(x, W) (with `fused`, act(y + bias)) on one of the packed programs, or null where
 *  none applies (NCHW, or groups of an odd number of output channels). */
export function conv2dPackedWebgl(
  gl: WebGLBackend,
  g: ConvGeometry,
  x: TensorInfo,
  filter: TensorInfo,
  fused?: FusedPart,
): TensorInfo | null {
  const extra = fused?.inputs ?? [];
  const path = forwardPath(g);
  if (path === 'packed inputs' && subsamplesFirst(g)) {
    const xs = gl.runWebGLProgram(new SubsampleProgram(g), [x], 'float32');
    const y = packedInputsConv2d(gl, subsampled(g), xs, filter, fused);
    gl.disposeIntermediateTensorInfo(xs);
    return y;
  }
  if (path === 'depthwise') return depthwiseConv2d(gl, g, x, filter, fused);
  if (path === 'packed inputs') return packedInputsConv2d(gl, g, x, filter, fused);
  if (path === 'columns') {
    const l = columnsLayout(g);
    const columns = gl.runWebGLProgram(new ColumnsProgram(g, l), [x], 'float32');
    const w = gl.runWebGLProgram(new ColumnsFilterProgram(g, l), [filter], 'float32');
    const natural =
      packedOutputTexelWidth(columns.shape) === l.runTexels &&
      packedOutputTexelWidth(w.shape) === l.filterRows / 2;
    const y = gl.runWebGLProgram(
      new Conv2DColumnsProgram(g, l, natural, fused?.epilogue),
      [columns, w, ...extra],
      'float32',
      fused?.uniforms,
    );
    gl.disposeIntermediateTensorInfo(columns);
    gl.disposeIntermediateTensorInfo(w);
    return y;
  }
  return null;
}

/** The geometry of g's convolution on x subsampled at g's strides (SubsampleProgram): the same
 *  1x1 convolution at stride 1. */
function subsampled(g: ConvGeometry): ConvGeometry {
  return convGeometry([g.batchSize, g.outHeight, g.outWidth, g.inChannels], g.filterShape, {
    strides: 1,
    pad: 'valid',
    dataFormat: 'NHWC',
    dilations: 1,
  });
}

/** y = conv2d(x, W) (with `fused`, act(y + bias)) on the packed-input program, walking the
 *  textures as their widths allow (texelWalk); a 1x1 filter whose textures all lie in their
 *  natural shapes as quarters of y (pointwise_blocks.ts) where pointwiseBlocks allows. */
export function packedInputsConv2d(
  gl: WebGLBackend,
  g: ConvGeometry,
  x: TensorInfo,
  filter: TensorInfo,
  fused?: FusedPart,
): TensorInfo {
  const walk = texelWalk(g, {
    x: packedTexelWidth(gl, x),
    W: packedTexelWidth(gl, filter),
    y: packedOutputTexelWidth(g.outShape),
  });
  if (walk === 'pointwise' && pointwiseBlocks(g)) {
    const y = pointwiseBlocksConv2d(gl, g, x, filter, fused);
    if (y != null) return y;
  }
  return gl.runWebGLProgram(
    new Conv2DPackedInputsProgram(g, walk, fused?.epilogue),
    [x, filter, ...(fused?.inputs ?? [])],
    'float32',
    fused?.uniforms,
  );
}

/** y = conv2d(x, W), computed on g's live region only, 0 elsewhere (guards.ts). HandmadeFusedConv2D
 *  runs this too where the padding leaves outputs that read no x, then its epilogue on its own. */
export function conv2dWebgl(
  gl: WebGLBackend,
  g: ConvGeometry,
  x: TensorInfo,
  filter: TensorInfo,
): TensorInfo {
  return outputsOnLiveRegion(gl, g, [[0, 'float32']], [], (sub) => [
    conv2dPackedWebgl(gl, sub, x, filter) ??
      gl.runWebGLProgram(new Conv2DProgram(sub), [x, filter], 'float32', [
        ...windowUniformValues(sub),
        groupChannelValues(sub),
      ]),
  ])[0];
}

export const conv2dWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, filter} = inputs as {x: TensorInfo; filter: TensorInfo};
  const gl = backend as WebGLBackend;
  const {checked, outputs} = startWebglCall(HandmadeConv2D, inputs, attrs, gl);
  if (outputs != null) return outputs[0];
  return conv2dWebgl(gl, checked.geometry, x, filter);
};
