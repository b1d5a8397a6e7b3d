// HandmadeConv2DBackpropInput, webgl.
//   dx[b,xR,xC,d1] = Σ dy[b,yR,yC,d2] · W[wR,wC,d1,d2] over xR = yR*s - padTop + wR*dl (and
//   columns alike)
// The program is dispatch.ts's inputGradientPath: the depthwise gather, a forward convolution of
// dy by the rotated filter, col2im of one matrix product, a blocks gather, or a gather per dx
// element.

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import type {ConvGeometry} from '../geometry';
import {inputGradientAsConv} from '../geometry';
import {HandmadeConv2DBackpropInput} from '../names';
import type {WebGLBackend} from './backend';
import {packedInputsConv2d} from './conv2d';
import {depthwiseInputGradient} from './depthwise';
import {inputGradientPath, productTexels} from './dispatch';
import {startWebglCall} from './entry';
import {gradientOnLiveRegion} from './guards';
import {Col2imProgram} from './programs/col2im_program';
import {Conv2DBackpropInputBlocksProgram} from './programs/conv2d_backprop_input_blocks_program';
import {Conv2DBackpropInputProgram} from './programs/conv2d_backprop_input_program';
import {groupChannelValues} from './programs/conv2d_program';
import {GemmProgram} from './programs/gemm_program';
import {RotatedFilterProgram} from './programs/rotated_filter_program';
import {windowUniformValues} from './programs/uniforms';

export const conv2dBackpropInputWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, filter} = inputs as {dy: TensorInfo; filter: TensorInfo};
  const gl = backend as WebGLBackend;
  const {checked, outputs} = startWebglCall(HandmadeConv2DBackpropInput, inputs, attrs, gl);
  if (outputs != null) return outputs[0];
  return gradientOnLiveRegion(gl, checked.geometry, [dy], checked.geometry.inShape, (g, [dyPart]) =>
    inputGradient(gl, g, dyPart, filter),
  );
};

function inputGradient(
  gl: WebGLBackend,
  g: ConvGeometry,
  dy: TensorInfo,
  filter: TensorInfo,
): TensorInfo {
  const path = inputGradientPath(g);
  if (path === 'depthwise') return depthwiseInputGradient(gl, g, dy, filter);
  if (path === 'forward conv') {
    const rotated = gl.runWebGLProgram(new RotatedFilterProgram(g), [filter], 'float32');
    const dx = packedInputsConv2d(gl, inputGradientAsConv(g), dy, rotated);
    gl.disposeIntermediateTensorInfo(rotated);
    return dx;
  }
  if (path === 'col2im') {
    const [positions, taps] = productTexels(g);
    const product = gl.runWebGLProgram(
      new GemmProgram(positions, taps, g.outChannels),
      [dy, filter],
      'float32',
    );
    const dx = gl.runWebGLProgram(new Col2imProgram(g), [product], 'float32');
    gl.disposeIntermediateTensorInfo(product);
    return dx;
  }
  if (path === 'blocks gather') {
    return gl.runWebGLProgram(new Conv2DBackpropInputBlocksProgram(g), [dy, filter], 'float32');
  }
  return gl.runWebGLProgram(new Conv2DBackpropInputProgram(g), [dy, filter], 'float32', [
    ...windowUniformValues(g),
    groupChannelValues(g),
  ]);
}
