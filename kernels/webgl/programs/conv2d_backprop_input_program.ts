// Conv2DBackpropInputProgram: HandmadeConv2DBackpropInput as a gather, one fragment per dx
// element. For each filter tap it solves xR = yR*s - padTop + wR*dl for yR in integers
// (windows.ts; geometry.ts, equation (2)); a tap whose yR is fractional or outside dy contributes
// nothing.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {layoutGlsl} from './layout';
import {CustomUniforms, WINDOW_UNIFORMS} from './uniforms';
import {SOLVE_GLSL} from './windows';

const MAIN = `
void main() {
  ivec4 o = outputBRCD();
  int b = o.x;
  int d1 = o.w;
  int group = d1 / groupChannels.x;
  int d1InGroup = d1 - group * groupChannels.x;
  int d2Start = group * groupChannels.y;
  float sum = 0.0;
  // dx[b,xR,xC,d1] = Σ dy[b,yR,yC,d2] · W[wR,wC,d1,d2] over yR = (xR + padTop - wR*dl) / s integral in [0, outH)
  for (int wR = 0; wR < filterSize.x; wR++) {
    int yR = solveRow(o.y, wR);
    if (yR < 0) continue;
    for (int wC = 0; wC < filterSize.y; wC++) {
      int yC = solveColumn(o.z, wC);
      if (yC < 0) continue;
      for (int d2 = d2Start; d2 < d2Start + groupChannels.y; d2++) {
        sum += readDy(b, yR, yC, d2) * getW(wR, wC, d1InGroup, d2);
      }
    }
  }
  setOutput(sum);
}`;

export class Conv2DBackpropInputProgram implements GPGPUProgram {
  variableNames = ['dy', 'W'];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = false;
  customUniforms: CustomUniforms = [...WINDOW_UNIFORMS, {name: 'groupChannels', type: 'ivec2'}];

  constructor(g: ConvGeometry) {
    this.outputShape = g.inShape;
    this.userCode = [layoutGlsl(g.dataFormat, ['dy'], true), SOLVE_GLSL, MAIN].join('\n');
  }
}
