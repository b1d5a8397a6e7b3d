// HandmadeConv2DBackpropFilter, webgl. dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · dy[b,yR,yC,d2]
// Dispatch: NHWC without groups computes 2x2 blocks of dW per fragment: with inC even, at one tap
// over channels (d1, d1+1) x (d2, d2+1), with x and dy packed where inC >= PACKED_INPUTS_MIN_CHANNELS
// (programs/conv2d_backprop_filter_packed_inputs_program.ts), else read unpacked
// (programs/conv2d_backprop_filter_packed_program.ts); with
// inC odd, whose second channel lane would be wasted, over two rows (taps) of the [fh*fw*inC, outC]
// matrix, then one pass into dW's shape (programs/conv2d_backprop_filter_rows_program.ts). NCHW or
// groups > 1: the unpacked program, one fragment per weight (programs/conv2d_backprop_filter_program.ts).

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import {convGeometry} from '../geometry';
import type {Conv2DBackpropFilterAttrs} from '../names';
import type {WebGLBackend} from './backend';
import {groupChannelValues} from './programs/conv2d_program';
import {Conv2DBackpropFilterProgram} from './programs/conv2d_backprop_filter_program';
import {Conv2DBackpropFilterRowsProgram, FilterFromRowsProgram} from './programs/conv2d_backprop_filter_rows_program';
import {Conv2DBackpropFilterPackedProgram} from './programs/conv2d_backprop_filter_packed_program';
import {Conv2DBackpropFilterPackedInputsProgram} from './programs/conv2d_backprop_filter_packed_inputs_program';
import {windowUniformValues} from './programs/uniforms';

// Packing x and dy costs a pass each per call, which pays only with enough channels: measured on
// SwiftShader against tfjs's Conv2DBackpropFilter (--quick, one run each), x[8,56,56,64] dy
// 3x3 stride 2 ran 2.14x unpacked and 2.74x packed, x[8,28,28,128] 1x1 2.61x and 3.12x, but
// x[32,14,14,8] 5x5 1.93x unpacked and 1.50x packed.
const PACKED_INPUTS_MIN_CHANNELS = 32;

export const conv2dBackpropFilterWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, dy} = inputs as {x: TensorInfo; dy: TensorInfo};
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  const g = convGeometry(x.shape, a.filterShape, a);
  const gl = backend as WebGLBackend;
  if (g.dataFormat === 'NHWC' && g.groups === 1) {
    if (g.inChannels % 2 === 0) {
      const program = g.inChannels >= PACKED_INPUTS_MIN_CHANNELS ?
          new Conv2DBackpropFilterPackedInputsProgram(g) : new Conv2DBackpropFilterPackedProgram(g);
      return gl.runWebGLProgram(program, [x, dy], 'float32');
    }
    const rows = gl.runWebGLProgram(new Conv2DBackpropFilterRowsProgram(g), [x, dy], 'float32');
    const dW = gl.runWebGLProgram(new FilterFromRowsProgram(g), [rows], 'float32');
    gl.disposeIntermediateTensorInfo(rows);
    return dW;
  }
  return gl.runWebGLProgram(
      new Conv2DBackpropFilterProgram(g), [x, dy], 'float32',
      [...windowUniformValues(g), groupChannelValues(g), [g.batchSize]]);
};
