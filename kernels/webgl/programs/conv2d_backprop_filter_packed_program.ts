// Conv2DBackpropFilterPackedProgram: HandmadeConv2DBackpropFilter for NHWC without groups, with a
// packed (RGBA) output. One fragment computes a 2x2 block of dW, channels (d1, d1+1) x (d2, d2+1)
// at one tap (wR, wC): per output position it reads two values of x and two of dy for 4
// multiply-adds, where one fragment per weight reads two for one. The inputs stay unpacked (see
// conv2d_packed_program.ts).

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';
import type {ConvGeometry} from '../../geometry';
import {windowConstantsGlsl} from './uniforms';

const MAIN = `
void main() {
  ivec4 o = getOutputCoords();  // dW is [fh, fw, inC, outC]; this texel: (d1, d1+1) x (d2, d2+1)
  int wR = o.x;
  int wC = o.y;
  int d1 = o.z;
  int d2 = o.w;
  vec4 sum = vec4(0.0);
  // dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · dy[b,yR,yC,d2]
  for (int b = 0; b < batchSize; b++) {
    for (int yR = 0; yR < outSize.x; yR++) {
      int xR = yR * strides.x - pads.x + wR * dilations.x;
      if (xR < 0 || xR >= inSize.x) continue;
      for (int yC = 0; yC < outSize.y; yC++) {
        int xC = yC * strides.y - pads.y + wC * dilations.y;
        if (xC < 0 || xC >= inSize.y) continue;
        vec2 xs = vec2(getX(b, xR, xC, d1), getX(b, xR, xC, d1 + 1));
        vec2 g = vec2(getDy(b, yR, yC, d2), getDy(b, yR, yC, d2 + 1));
        sum += xs.xxyy * g.xyxy;
      }
    }
  }
  setOutput(sum);
}`;

export class Conv2DBackpropFilterPackedProgram implements GPGPUProgram {
  variableNames = ['x', 'dy'];
  outputShape: number[];
  userCode: string;
  packedInputs = false;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.filterShape;
    this.userCode = [windowConstantsGlsl(g, {batchSize: g.batchSize}), MAIN].join('\n');
  }
}
