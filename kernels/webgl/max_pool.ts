// HandmadeMaxPool, webgl. y[b,yR,yC,d] = max over the window; argmax = wR * fw + wC of the first
// maximum in row-major window order (strict >); NaN never wins, and a window with no number gives
// y = -Infinity and argmax -1, as on cpu. Two passes: the argmax (int32), then y gathered at it;
// packed for NHWC, 2x2 blocks of columns x channels (programs/max_pool_packed_programs.ts),
// unpacked for NCHW.

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import type {ConvGeometry} from '../geometry';
import {HandmadeMaxPool, HandmadeMaxPoolValues} from '../names';
import type {WebGLBackend} from './backend';
import {startWebglCall} from './entry';
import {outputsOnLiveRegion} from './guards';
import {MaxPoolArgmaxProgram} from './programs/max_pool_argmax_program';
import {MaxPoolGatherProgram} from './programs/max_pool_gather_program';
import {
  MaxPoolGatherPackedProgram,
  MaxPoolSearchPackedProgram,
} from './programs/max_pool_packed_programs';
import {windowUniformValues} from './programs/uniforms';

export const maxPoolWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x} = inputs as {x: TensorInfo};
  const gl = backend as WebGLBackend;
  const {checked, outputs} = startWebglCall(HandmadeMaxPool, inputs, attrs, gl);
  if (outputs != null) return outputs;
  return outputsOnLiveRegion(
    gl,
    checked.geometry,
    [
      [-Infinity, 'float32'],
      [-1, 'int32'],
    ],
    [],
    (g) => maxPoolOn(gl, g, x),
  );
};

function maxPoolOn(gl: WebGLBackend, g: ConvGeometry, x: TensorInfo): TensorInfo[] {
  if (g.dataFormat === 'NHWC') {
    const argmax = gl.runWebGLProgram(new MaxPoolSearchPackedProgram(g, 'argmax'), [x], 'int32', [
      [-Infinity],
    ]);
    const y = gl.runWebGLProgram(new MaxPoolGatherPackedProgram(g), [x, argmax], 'float32', [
      [-Infinity],
    ]);
    return [y, argmax];
  }
  const argmax = gl.runWebGLProgram(new MaxPoolArgmaxProgram(g), [x], 'int32', [
    ...windowUniformValues(g),
    [-Infinity],
  ]);
  const y = gl.runWebGLProgram(new MaxPoolGatherProgram(g), [x, argmax], 'float32', [
    ...windowUniformValues(g),
    [-Infinity],
  ]);
  return [y, argmax];
}

/** HandmadeMaxPoolValues, webgl: for NHWC one pass of the packed search for y alone; for NCHW y
 *  is gathered at the argmax, which is released once y's program has been queued. */
export const maxPoolValuesWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x} = inputs as {x: TensorInfo};
  const gl = backend as WebGLBackend;
  const {checked, outputs} = startWebglCall(HandmadeMaxPoolValues, inputs, attrs, gl);
  if (outputs != null) return outputs[0];
  if (checked.geometry.dataFormat === 'NHWC') {
    return outputsOnLiveRegion(gl, checked.geometry, [[-Infinity, 'float32']], [], (g) => [
      gl.runWebGLProgram(new MaxPoolSearchPackedProgram(g, 'values'), [x], 'float32', [
        [-Infinity],
      ]),
    ])[0];
  }
  const [y, argmax] = outputsOnLiveRegion(
    gl,
    checked.geometry,
    [
      [-Infinity, 'float32'],
      [-1, 'int32'],
    ],
    [],
    (g) => maxPoolOn(gl, g, x),
  );
  gl.disposeData(argmax.dataId);
  return y;
};
