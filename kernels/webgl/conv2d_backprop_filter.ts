// HandmadeConv2DBackpropFilter, webgl. dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · dy[b,yR,yC,d2]
// One pass (programs/conv2d_backprop_filter_program.ts), one fragment per weight.

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {convGeometry} from '../geometry';
import type {Conv2DBackpropFilterAttrs} from '../names';
import type {WebGLBackend} from './backend';
import {groupChannelValues} from './programs/conv2d_program';
import {Conv2DBackpropFilterProgram} from './programs/conv2d_backprop_filter_program';
import {windowUniformValues} from './programs/uniforms';

export const conv2dBackpropFilterWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, dy} = inputs as {x: TensorInfo; dy: TensorInfo};
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  const g = convGeometry(x.shape, a.filterShape, a);
  const program = new Conv2DBackpropFilterProgram(g);
  return (backend as WebGLBackend).runWebGLProgram(
      program, [x, dy], 'float32',
      [...windowUniformValues(g), groupChannelValues(g), [g.batchSize]]);
};
