// MaxPoolGatherProgram: out[b,yR,yC,d] = v[cell of argmax[b,yR,yC,d]], or `emptyValue` where the
// argmax is -1. It is HandmadeMaxPoolGather (emptyValue 0) and the y output of HandmadeMaxPool
// (v = x, emptyValue -Infinity), so y is by construction the value at the argmax.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {layoutGlsl} from './layout';
import {CustomUniforms, WINDOW_UNIFORMS} from './uniforms';
import {TAP_OF_GLSL} from './windows';

const MAIN = `
void main() {
  ivec4 o = outputBRCD();
  int b = o.x;
  int d = o.w;
  int tap = tapOf(readArgmax(b, o.y, o.z, d));
  if (tap < 0) {
    setOutput(emptyValue);
    return;
  }
  int wR = tap / filterSize.y;
  int wC = tap - wR * filterSize.y;
  // out[b,yR,yC,d] = v[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d]
  int xR = o.y * strides.x - pads.x + wR * dilations.x;
  int xC = o.z * strides.y - pads.y + wC * dilations.y;
  setOutput(readV(b, xR, xC, d));
}`;

export class MaxPoolGatherProgram implements GPGPUProgram {
  variableNames = ['v', 'argmax'];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = false;
  customUniforms: CustomUniforms = [...WINDOW_UNIFORMS, {name: 'emptyValue', type: 'float'}];

  constructor(g: ConvGeometry) {
    this.outputShape = g.outShape;
    this.userCode = [layoutGlsl(g.dataFormat, ['v', 'argmax'], true), TAP_OF_GLSL, MAIN].join('\n');
  }
}
