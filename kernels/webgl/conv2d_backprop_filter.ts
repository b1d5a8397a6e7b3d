// HandmadeConv2DBackpropFilter, webgl. dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · dy[b,yR,yC,d2]
// Dispatch: NHWC without groups computes 2x2 blocks of dW per fragment: with inC even, at one tap
// over channels (d1, d1+1) x (d2, d2+1) (programs/conv2d_backprop_filter_packed_program.ts); with
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
import {windowUniformValues} from './programs/uniforms';

export const conv2dBackpropFilterWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, dy} = inputs as {x: TensorInfo; dy: TensorInfo};
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  const g = convGeometry(x.shape, a.filterShape, a);
  const gl = backend as WebGLBackend;
  if (g.dataFormat === 'NHWC' && g.groups === 1) {
    if (g.inChannels % 2 === 0) {
      return gl.runWebGLProgram(new Conv2DBackpropFilterPackedProgram(g), [x, dy], 'float32');
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
