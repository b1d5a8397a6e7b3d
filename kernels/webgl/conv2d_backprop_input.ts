// HandmadeConv2DBackpropInput, webgl.
//   dx[b,xR,xC,d1] = Σ dy[b,yR,yC,d2] · W[wR,wC,d1,d2] over xR = yR*s - padTop + wR*dl (and
//   columns alike)
// NHWC without groups:
// - at stride 1 and dilation 1 with an even number (>= 8) of output channels, the forward
//   convolution of dy by the rotated filter (geometry.ts, inputGradientAsConv) on the packed-input
//   forward program (programs/conv2d_packed_inputs_program.ts), after one small pass that rotates
//   W (programs/rotated_filter_program.ts);
// - otherwise, while the product fits MAX_PRODUCT_VALUES, col2im(dy · Wᵀ): one matrix product
//   (programs/gemm_program.ts), then a gather of its columns into dx (programs/col2im_program.ts);
// - beyond that, a gather of dy and W (2x2 blocks of dx per fragment,
//   programs/conv2d_backprop_input_packed_program.ts).
// NCHW or groups > 1: the unpacked gather, one fragment per dx element
// (programs/conv2d_backprop_input_program.ts).

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import type {ConvGeometry} from '../geometry';
import {inputGradientAsConv} from '../geometry';
import {HandmadeConv2DBackpropInput} from '../names';
import type {WebGLBackend} from './backend';
import {startWebglCall} from './entry';
import {gradientOnLiveRegion} from './guards';
import {Col2imProgram} from './programs/col2im_program';
import {Conv2DBackpropInputPackedProgram} from './programs/conv2d_backprop_input_packed_program';
import {Conv2DBackpropInputProgram} from './programs/conv2d_backprop_input_program';
import {Conv2DPackedInputsProgram} from './programs/conv2d_packed_inputs_program';
import {groupChannelValues} from './programs/conv2d_program';
import {GemmProgram} from './programs/gemm_program';
import {RotatedFilterProgram} from './programs/rotated_filter_program';
import {windowUniformValues} from './programs/uniforms';

// dy's channels are the summed ones of the forward convolution: the packed-input program needs
// them even, and pays for packing dy from 8 on (as in conv2d.ts). Measured on SwiftShader
// against tfjs's Conv2DBackpropInput: x[8,56,56,64] * [3,3,64,64] ran 0.84x as a gather, 2.8x as
// col2im of the product and 3.4x as a forward convolution; x[32,28,28,1] * [5,5,1,8] 1.9x, 1.6x
// and 2.9x.
const AS_CONV_MIN_CHANNELS = 8;
// The product dy · Wᵀ holds fh*fw*inC values per output position: up to 64 MiB of them.
const MAX_PRODUCT_VALUES = 1 << 24;

/** Whether dx is the packed-input forward convolution of dy by the rotated filter. */
export function inputGradientIsForwardConv(g: ConvGeometry): boolean {
  return (
    g.dataFormat === 'NHWC' &&
    g.groups === 1 &&
    g.strideHeight === 1 &&
    g.strideWidth === 1 &&
    g.dilationHeight === 1 &&
    g.dilationWidth === 1 &&
    g.outChannels % 2 === 0 &&
    g.outChannels >= AS_CONV_MIN_CHANNELS
  );
}

/** The texels of col2im's product: [output positions, taps * input channels]. */
function productTexels(g: ConvGeometry): [number, number] {
  return [
    g.batchSize * g.outHeight * Math.ceil(g.outWidth / 2),
    g.filterHeight * g.filterWidth * Math.ceil(g.inChannels / 2),
  ];
}

/** Whether dx is col2im(dy · Wᵀ). */
export function inputGradientIsCol2im(g: ConvGeometry): boolean {
  const [positions, taps] = productTexels(g);
  return g.dataFormat === 'NHWC' && g.groups === 1 && 4 * positions * taps <= MAX_PRODUCT_VALUES;
}

export const conv2dBackpropInputWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, filter} = inputs as {dy: TensorInfo; filter: TensorInfo};
  const gl = backend as WebGLBackend;
  const {checked, outputs} = startWebglCall(HandmadeConv2DBackpropInput, inputs, attrs, gl);
  if (outputs != null) return outputs[0];
  return gradientOnLiveRegion(gl, checked.geometry, [dy], checked.geometry.inShape, (g, [dyPart]) =>
    inputGradient(gl, g, dyPart, filter),
  );
};

function inputGradient(
  gl: WebGLBackend,
  g: ConvGeometry,
  dy: TensorInfo,
  filter: TensorInfo,
): TensorInfo {
  if (inputGradientIsForwardConv(g)) {
    const rotated = gl.runWebGLProgram(new RotatedFilterProgram(g), [filter], 'float32');
    const dx = gl.runWebGLProgram(
      new Conv2DPackedInputsProgram(inputGradientAsConv(g)),
      [dy, rotated],
      'float32',
    );
    gl.disposeIntermediateTensorInfo(rotated);
    return dx;
  }
  if (inputGradientIsCol2im(g)) {
    const [positions, taps] = productTexels(g);
    const product = gl.runWebGLProgram(
      new GemmProgram(positions, taps, g.outChannels),
      [dy, filter],
      'float32',
    );
    const dx = gl.runWebGLProgram(new Col2imProgram(g), [product], 'float32');
    gl.disposeIntermediateTensorInfo(product);
    return dx;
  }
  if (g.dataFormat === 'NHWC' && g.groups === 1) {
    return gl.runWebGLProgram(new Conv2DBackpropInputPackedProgram(g), [dy, filter], 'float32');
  }
  return gl.runWebGLProgram(new Conv2DBackpropInputProgram(g), [dy, filter], 'float32', [
    ...windowUniformValues(g),
    groupChannelValues(g),
  ]);
}
