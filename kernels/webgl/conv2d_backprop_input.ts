// HandmadeConv2DBackpropInput, webgl. dx[b,xR,xC,d1] = Σ dy[b,yR,yC,d2] · W[wR,wC,d1,d2] over xR = yR*s - padTop + wR*dl (and columns alike)
// One gather pass (programs/conv2d_backprop_input_program.ts): no scatter, no atomics.

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {convGeometry} from '../geometry';
import type {Conv2DBackpropInputAttrs} from '../names';
import type {WebGLBackend} from './backend';
import {groupChannelValues} from './programs/conv2d_program';
import {Conv2DBackpropInputProgram} from './programs/conv2d_backprop_input_program';
import {windowUniformValues} from './programs/uniforms';

export const conv2dBackpropInputWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, filter} = inputs as {dy: TensorInfo; filter: TensorInfo};
  const a = attrs as unknown as Conv2DBackpropInputAttrs;
  const g = convGeometry(a.inputShape, filter.shape, a);
  const program = new Conv2DBackpropInputProgram(g);
  return (backend as WebGLBackend).runWebGLProgram(
      program, [dy, filter], 'float32', [...windowUniformValues(g), groupChannelValues(g)]);
};
