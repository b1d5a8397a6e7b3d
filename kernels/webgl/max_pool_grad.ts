// HandmadeMaxPoolGrad, webgl. dx[cell of argmax[b,yR,yC,d]] += dy[b,yR,yC,d], computed as a gather
// per dx cell (programs/max_pool_grad_program.ts). HandmadeMaxPoolGather, its transpose:
// out[b,yR,yC,d] = v[cell of argmax[b,yR,yC,d]], 0 where the argmax is -1. Packed for NHWC
// (programs/max_pool_packed_programs.ts), unpacked for NCHW.

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {HandmadeMaxPoolGather, HandmadeMaxPoolGrad} from '../names';
import type {WebGLBackend} from './backend';
import {startWebglCall} from './entry';
import {gradientOnLiveRegion, outputsOnLiveRegion} from './guards';
import {MaxPoolGatherProgram} from './programs/max_pool_gather_program';
import {MaxPoolGradProgram} from './programs/max_pool_grad_program';
import {
  MaxPoolGatherPackedProgram,
  MaxPoolGradPackedProgram,
} from './programs/max_pool_packed_programs';
import {windowUniformValues} from './programs/uniforms';

export const maxPoolGradWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, argmax} = inputs as {dy: TensorInfo; argmax: TensorInfo};
  const gl = backend as WebGLBackend;
  const {checked, outputs} = startWebglCall(HandmadeMaxPoolGrad, inputs, attrs, gl);
  if (outputs != null) return outputs[0];
  return gradientOnLiveRegion(
    gl,
    checked.geometry,
    [dy, argmax],
    checked.geometry.inShape,
    (g, [dyPart, argmaxPart]) => {
      const program =
        g.dataFormat === 'NHWC' ? new MaxPoolGradPackedProgram(g) : new MaxPoolGradProgram(g);
      return gl.runWebGLProgram(program, [dyPart, argmaxPart], 'float32');
    },
  );
};

export const maxPoolGatherWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, argmax} = inputs as {x: TensorInfo; argmax: TensorInfo};
  const gl = backend as WebGLBackend;
  const {checked, outputs} = startWebglCall(HandmadeMaxPoolGather, inputs, attrs, gl);
  if (outputs != null) return outputs[0];
  return outputsOnLiveRegion(gl, checked.geometry, [[0, 'float32']], [argmax], (g, [part]) => [
    g.dataFormat === 'NHWC'
      ? gl.runWebGLProgram(new MaxPoolGatherPackedProgram(g), [x, part], 'float32', [[0]])
      : gl.runWebGLProgram(new MaxPoolGatherProgram(g), [x, part], 'float32', [
          ...windowUniformValues(g),
          [0],
        ]),
  ])[0];
};
