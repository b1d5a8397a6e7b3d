// HandmadeConv2DBackpropFilter, webgl.
//   dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1]
//                     · dy[b,yR,yC,d2]
// The depthwise geometry has its own programs (depthwise.ts, dispatch.ts's filterGradientPath).
// Otherwise one matrix product per group, dW = im2col(x)ᵀ · dy, in every layout and grouping
// (programs/conv2d_backprop_filter_gemm_programs.ts): x laid out by filter column, dy copied
// into the product's layout where its own does not serve, the product in parts of the batch,
// then the parts summed into dW.

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import type {ConvGeometry} from '../geometry';
import {HandmadeConv2DBackpropFilter} from '../names';
import type {WebGLBackend} from './backend';
import {depthwiseFilterGradient} from './depthwise';
import {filterGradientPath} from './dispatch';
import {startWebglCall} from './entry';
import {gradientOnLiveRegion} from './guards';
import {ColumnsProgram} from './programs/columns_program';
import {
  Conv2DBackpropFilterGemmProgram,
  DyPerGroupProgram,
  FilterFromPartialsProgram,
  filterGemmLayout,
} from './programs/conv2d_backprop_filter_gemm_programs';

export const conv2dBackpropFilterWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, dy} = inputs as {x: TensorInfo; dy: TensorInfo};
  const gl = backend as WebGLBackend;
  const {checked, outputs} = startWebglCall(HandmadeConv2DBackpropFilter, inputs, attrs, gl);
  if (outputs != null) return outputs[0];
  return gradientOnLiveRegion(
    gl,
    checked.geometry,
    [dy],
    checked.geometry.filterShape,
    (g, [dyPart]) => filterGradient(gl, g, x, dyPart),
  );
};

function filterGradient(
  gl: WebGLBackend,
  g: ConvGeometry,
  x: TensorInfo,
  dy: TensorInfo,
): TensorInfo {
  if (filterGradientPath(g) === 'depthwise') return depthwiseFilterGradient(gl, g, x, dy);
  const l = filterGemmLayout(g);
  const columns = gl.runWebGLProgram(new ColumnsProgram(g, l), [x], 'float32');
  const dyLaidOut = l.dyAsIs
    ? dy
    : gl.runWebGLProgram(new DyPerGroupProgram(g, l), [dy], 'float32');
  const partials = gl.runWebGLProgram(
    new Conv2DBackpropFilterGemmProgram(g, l),
    [columns, dyLaidOut],
    'float32',
  );
  const dW = gl.runWebGLProgram(new FilterFromPartialsProgram(g, l), [partials], 'float32');
  gl.disposeIntermediateTensorInfo(columns);
  if (dyLaidOut !== dy) gl.disposeIntermediateTensorInfo(dyLaidOut);
  gl.disposeIntermediateTensorInfo(partials);
  return dW;
}
