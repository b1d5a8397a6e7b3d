// HandmadeConv2D, webgl. y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
// Dispatch: NHWC without groups computes 2x2 blocks of y per fragment, with x and W packed where
// inC is even and >= PACKED_INPUTS_MIN_CHANNELS (programs/conv2d_packed_inputs_program.ts), else
// read unpacked (programs/conv2d_packed_program.ts). NCHW (read in place) or groups > 1: the
// unpacked program, one fragment per output element (programs/conv2d_program.ts).

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {convGeometry} from '../geometry';
import type {Conv2DAttrs} from '../names';
import type {WebGLBackend} from './backend';
import {Conv2DProgram, groupChannelValues} from './programs/conv2d_program';
import {Conv2DPackedInputsProgram} from './programs/conv2d_packed_inputs_program';
import {Conv2DPackedProgram} from './programs/conv2d_packed_program';
import {windowUniformValues} from './programs/uniforms';

// Packing x and W costs a pass each per call, which pays only when there are enough channels to
// sum: measured on SwiftShader against tfjs's Conv2D, x[32,14,14,8] * [5,5,8,16] ran 1.54x
// unpacked and 2.55x packed (the packed program fetching texels by position; 0.82x when it went
// through tfjs's samplers); x[8,56,56,64] * [3,3,64,64] 0.53x unpacked and 1.77x packed.
const PACKED_INPUTS_MIN_CHANNELS = 8;

export const conv2dWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, filter} = inputs as {x: TensorInfo; filter: TensorInfo};
  const g = convGeometry(x.shape, filter.shape, attrs as unknown as Conv2DAttrs);
  const gl = backend as WebGLBackend;
  if (g.dataFormat === 'NHWC' && g.groups === 1) {
    const program = g.inChannels % 2 === 0 && g.inChannels >= PACKED_INPUTS_MIN_CHANNELS ?
        new Conv2DPackedInputsProgram(g) : new Conv2DPackedProgram(g);
    return gl.runWebGLProgram(program, [x, filter], 'float32');
  }
  return gl.runWebGLProgram(new Conv2DProgram(g), [x, filter], 'float32',
                            [...windowUniformValues(g), groupChannelValues(g)]);
};
