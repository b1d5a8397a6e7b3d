// MaxPoolArgmaxProgram: the argmax output of HandmadeMaxPool, one fragment per output element:
// the window-local index wR * fw + wC of the first maximum in row-major window order (strict >),
// or -1 where the window holds no number. Small integers, so exact in float16 textures too.
// The running maximum starts at -Infinity (a uniform: GLSL has no literal for it), and NaN is
// rejected by its bits (windows.ts).

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {layoutGlsl} from './layout';
import {CustomUniforms, WINDOW_UNIFORMS} from './uniforms';
import {IS_NAN_BITS_GLSL} from './windows';

const MAIN = `
void main() {
  ivec4 o = outputBRCD();
  int b = o.x;
  int d = o.w;
  int xRCorner = o.y * strides.x - pads.x;
  int xCCorner = o.z * strides.y - pads.y;
  float best = negativeInfinity;
  int bestTap = -1;
  // argmax[b,yR,yC,d] = first (wR, wC) with x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d] > all before it
  for (int wR = 0; wR < filterSize.x; wR++) {
    int xR = xRCorner + wR * dilations.x;
    if (xR < 0 || xR >= inSize.x) continue;
    for (int wC = 0; wC < filterSize.y; wC++) {
      int xC = xCCorner + wC * dilations.y;
      if (xC < 0 || xC >= inSize.y) continue;
      float v = readX(b, xR, xC, d);
      if (!isNaNBits(v) && v > best) {
        best = v;
        bestTap = wR * filterSize.y + wC;
      }
    }
  }
  setOutput(float(bestTap));
}`;

export class MaxPoolArgmaxProgram implements GPGPUProgram {
  variableNames = ['x'];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = false;
  customUniforms: CustomUniforms = [...WINDOW_UNIFORMS, {name: 'negativeInfinity', type: 'float'}];

  constructor(g: ConvGeometry) {
    this.outputShape = g.outShape;
    this.userCode = [layoutGlsl(g.dataFormat, ['x'], true), IS_NAN_BITS_GLSL, MAIN].join('\n');
  }
}
