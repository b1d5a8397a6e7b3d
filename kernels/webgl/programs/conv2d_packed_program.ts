// Conv2DPackedProgram: HandmadeConv2D for NHWC without groups, with a packed (RGBA) output. One
// fragment computes a 2x2 block of y, output columns (yC, yC+1) x channels (d2, d2+1): per tap and
// input channel it reads two values of x and two of W for 4 multiply-adds, where one fragment per
// output element reads two for one. The inputs stay unpacked: SwiftShader's cost follows the
// values a shader reads, and an RGBA read costs about as much as four single ones.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';
import type {ConvGeometry} from '../../geometry';
import {windowConstantsGlsl} from './uniforms';

const MAIN = `
void main() {
  ivec4 o = getOutputCoords();  // y is [B, outH, outW, outC]; this texel: (yC, yC+1) x (d2, d2+1)
  int b = o.x;
  int yR = o.y;
  int yC = o.z;
  int d2 = o.w;
  int xRCorner = yR * strides.x - pads.x;
  int xCCorner = yC * strides.y - pads.y;
  vec4 sum = vec4(0.0);
  // y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
  for (int wR = 0; wR < filterSize.x; wR++) {
    int xR = xRCorner + wR * dilations.x;
    if (xR < 0 || xR >= inSize.x) continue;
    for (int wC = 0; wC < filterSize.y; wC++) {
      int xC0 = xCCorner + wC * dilations.y;  // read by output column yC
      int xC1 = xC0 + strides.y;              // read by output column yC+1
      bool in0 = xC0 >= 0 && xC0 < inSize.y;
      bool in1 = xC1 >= 0 && xC1 < inSize.y;
      if (!in0 && !in1) continue;
      for (int d1 = 0; d1 < inChannels; d1++) {
        // d2+1 (and yC+1) may lie past the edge: those lanes are never stored
        vec2 w = vec2(getW(wR, wC, d1, d2), getW(wR, wC, d1, d2 + 1));
        float x0 = in0 ? getX(b, xR, xC0, d1) : 0.0;
        float x1 = in1 ? getX(b, xR, xC1, d1) : 0.0;
        sum += vec4(x0 * w, x1 * w);
      }
    }
  }
  setOutput(sum);
}`;

export class Conv2DPackedProgram implements GPGPUProgram {
  variableNames = ['x', 'W'];
  outputShape: number[];
  userCode: string;
  packedInputs = false;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.outShape;
    this.userCode = [windowConstantsGlsl(g, {inChannels: g.inChannels}), MAIN].join('\n');
  }
}
