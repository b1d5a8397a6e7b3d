// HandmadeConv2D, webgl.
//   y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1]
//                   · W[wR,wC,d1,d2]
// The dispatch, shared with HandmadeFusedConv2D (whose bias and activation the packed programs
// apply as they write y, programs/epilogue.ts). NHWC: without groups and with an even number of
// input channels from PACKED_INPUTS_MIN_CHANNELS, 2x2 blocks of y per fragment over packed x and W
// (programs/conv2d_packed_inputs_program.ts); otherwise, where each group's output channels pair
// up, the product im2col(x) · W over x laid out by filter column (programs/columns_program.ts,
// programs/conv2d_columns_program.ts). NCHW (read in place), or groups of an odd number of
// output channels: the unpacked program, one fragment per output element
// (programs/conv2d_program.ts).

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import type {ConvGeometry} from '../geometry';
import {HandmadeConv2D} from '../names';
import type {WebGLBackend} from './backend';
import {startWebglCall} from './entry';
import {outputsOnLiveRegion} from './guards';
import {columnsLayout, ColumnsProgram} from './programs/columns_program';
import {ColumnsFilterProgram, Conv2DColumnsProgram} from './programs/conv2d_columns_program';
import {Conv2DPackedInputsProgram} from './programs/conv2d_packed_inputs_program';
import {Conv2DProgram, groupChannelValues} from './programs/conv2d_program';
import type {Epilogue} from './programs/epilogue';
import {windowUniformValues} from './programs/uniforms';

// Below this many input channels the packed-input program's reads of x per tap cost more than
// laying the columns out: measured on SwiftShader, x[32,14,14,8] * [5,5,8,16] took 12.8 ms on the
// packed-input program and 15.1 ms over the columns; x[32,28,28,1] * [5,5,1,8] ran 1.2x tfjs's
// Conv2D on an unpacked-input 2x2-block program and 1.5x over the columns.
const PACKED_INPUTS_MIN_CHANNELS = 8;

/** HandmadeFusedConv2D's part of a conv program: its epilogue, with the epilogue's two flat
 *  inputs (bias, PReLU weights) and uniform values (programs/epilogue.ts). */
export interface FusedPart {
  epilogue: Epilogue;
  inputs: [TensorInfo, TensorInfo];
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
  if (
    g.dataFormat === 'NHWC' &&
    g.groups === 1 &&
    g.inChannels % 2 === 0 &&
    g.inChannels >= PACKED_INPUTS_MIN_CHANNELS
  ) {
    return gl.runWebGLProgram(
      new Conv2DPackedInputsProgram(g, fused?.epilogue),
      [x, filter, ...extra],
      'float32',
      fused?.uniforms,
    );
  }
  if (g.dataFormat === 'NHWC' && (g.groups === 1 || g.outChannelsPerGroup % 2 === 0)) {
    const l = columnsLayout(g);
    const columns = gl.runWebGLProgram(new ColumnsProgram(g, l), [x], 'float32');
    const w = gl.runWebGLProgram(new ColumnsFilterProgram(g, l), [filter], 'float32');
    const y = gl.runWebGLProgram(
      new Conv2DColumnsProgram(g, l, fused?.epilogue),
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
