// HandmadeConv2D, webgl. y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
// NHWC without groups: the packed program (2x2 blocks of y per fragment,
// programs/conv2d_packed_program.ts). NCHW (read in place) or groups > 1: the unpacked program,
// one fragment per output element (programs/conv2d_program.ts).

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {convGeometry} from '../geometry';
import type {Conv2DAttrs} from '../names';
import type {WebGLBackend} from './backend';
import {Conv2DProgram, groupChannelValues} from './programs/conv2d_program';
import {Conv2DPackedInputsProgram} from './programs/conv2d_packed_inputs_program';
import {Conv2DPackedProgram} from './programs/conv2d_packed_program';
import {windowUniformValues} from './programs/uniforms';

export const conv2dWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, filter} = inputs as {x: TensorInfo; filter: TensorInfo};
  const g = convGeometry(x.shape, filter.shape, attrs as unknown as Conv2DAttrs);
  const gl = backend as WebGLBackend;
  if (g.dataFormat === 'NHWC' && g.groups === 1) {
    const program = g.inChannels % 2 === 0 ? new Conv2DPackedInputsProgram(g) : new Conv2DPackedProgram(g);
    return gl.runWebGLProgram(program, [x, filter], 'float32');
  }
  return gl.runWebGLProgram(new Conv2DProgram(g), [x, filter], 'float32',
                            [...windowUniformValues(g), groupChannelValues(g)]);
};
