// HandmadeFusedConv2D, webgl. y = act(conv2d(x, W) + bias), bias and activation applied in the
// convolution's own pass: HandmadeConv2D's packed programs where they apply (conv2d.ts), else the
// one-element program. Where some outputs' windows read no x (a pad far larger than the input),
// the convolution runs on the live region alone and the epilogue after it (programs/epilogue.ts).
// Bias and PReLU weights apply by operands.ts's rule: the shader reads them flat, at the output
// coordinates times per-axis strides that are 0 along broadcast axes (operandStrides).

import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {isWholeOutput, liveRegion} from '../geometry';
import type {FusedConv2DAttrs} from '../names';
import {HandmadeFusedConv2D} from '../names';
import {operandStrides, valuesPerChannel} from '../operands';
import {flatten, WebGLBackend} from './backend';
import {conv2dPackedWebgl, conv2dWebgl} from './conv2d';
import {startWebglCall} from './entry';
import {Conv2DProgram, groupChannelValues} from './programs/conv2d_program';
import {Epilogue, EpilogueProgram} from './programs/epilogue';
import {windowUniformValues} from './programs/uniforms';

export const fusedConv2dWebglKernel: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, filter, bias, preluActivationWeights} = inputs as {
    x: TensorInfo;
    filter: TensorInfo;
    bias?: TensorInfo;
    preluActivationWeights?: TensorInfo;
  };
  const gl = backend as WebGLBackend;
  const a = attrs as unknown as FusedConv2DAttrs;
  const {checked, outputs} = startWebglCall(HandmadeFusedConv2D, inputs, attrs, gl);
  if (outputs != null) return outputs[0];
  const g = checked.geometry;
  const prelu = a.activation === 'prelu' ? preluActivationWeights : undefined;
  const epilogue: Epilogue = {
    activation: a.activation,
    bias: bias != null,
    // Per channel: NHWC, a bias of outC values, and (for prelu) weights of outC values, whatever
    // their leading 1s (operands.ts).
    perChannel:
      g.dataFormat === 'NHWC' &&
      [bias, prelu].every((t) => t == null || valuesPerChannel(t.shape, g.outShape, g.dataFormat)),
  };
  // The operands the epilogue reads, flat; an absent one is no input (epilogue.ts).
  const operands = [bias, prelu]
    .filter((t): t is TensorInfo => t != null)
    .map((t) => flatten(gl, t));
  const strides = (t?: TensorInfo) => operandStrides(t?.shape ?? [1], g.outShape, g.dataFormat);
  const uniforms = [strides(bias), strides(prelu), [a.leakyreluAlpha ?? 0.2]];
  let y: TensorInfo;
  if (isWholeOutput(g, liveRegion(g))) {
    y =
      conv2dPackedWebgl(gl, g, x, filter, {epilogue, inputs: operands, uniforms}) ??
      gl.runWebGLProgram(new Conv2DProgram(g, epilogue), [x, filter, ...operands], 'float32', [
        ...windowUniformValues(g),
        groupChannelValues(g),
        ...uniforms,
      ]);
  } else {
    // Outputs whose windows lie wholly in the padding are act(bias + 0): not 0, and not one value
    // either where the bias or the PReLU weights vary over the output. So the convolution runs
    // as HandmadeConv2D's does, on the live region into an output of zeros, and the epilogue
    // follows as a pass of its own over the full output, reading the operands as the fused
    // programs do.
    const conv = conv2dWebgl(gl, g, x, filter);
    y = gl.runWebGLProgram(
      new EpilogueProgram(g.outShape, epilogue),
      [conv, ...operands],
      'float32',
      uniforms,
    );
    gl.disposeIntermediateTensorInfo(conv);
  }
  for (const t of operands) gl.disposeIntermediateTensorInfo(t);
  return y;
};
