// HandmadeConv2D, webgl. y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
// One program pass (programs/conv2d_program.ts); NCHW is read in place by the shader.

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {convGeometry} from '../geometry';
import type {Conv2DAttrs} from '../names';
import type {WebGLBackend} from './backend';
import {Conv2DProgram, groupChannelValues} from './programs/conv2d_program';
import {windowUniformValues} from './programs/uniforms';

export const conv2dWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, filter} = inputs as {x: TensorInfo; filter: TensorInfo};
  const g = convGeometry(x.shape, filter.shape, attrs as unknown as Conv2DAttrs);
  const program = new Conv2DProgram(g);
  return (backend as WebGLBackend).runWebGLProgram(
      program, [x, filter], 'float32', [...windowUniformValues(g), groupChannelValues(g)]);
};
