// Conv2DBackpropFilterPackedProgram: HandmadeConv2DBackpropFilter for NHWC without groups, on
// packed textures. One fragment computes a 2x2 block of dW, channels (d1, d1+1) x (d2, d2+1) at
// one tap (wR, wC), and walks the output columns two at a time: per step it reads one texel of
// dy (columns yC, yC+1 x channels d2, d2+1) and one texel of x per column, 3 reads for 8
// multiply-adds where the unpacked program makes 16.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';
import type {ConvGeometry} from '../../geometry';
import {columnPairGlsl} from './packed';
import {CustomUniforms, WINDOW_UNIFORMS} from './uniforms';

const MAIN = `
void main() {
  ivec4 o = getOutputCoords();  // dW is [fh, fw, inC, outC]; this texel: (d1, d1+1) x (d2, d2+1)
  int wR = o.x;
  int wC = o.y;
  int d1 = o.z;
  int d2 = o.w;
  bool lastColumnOdd = (outSize.y & 1) == 1;
  vec4 sum = vec4(0.0);
  // dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · dy[b,yR,yC,d2]
  for (int b = 0; b < batchSize; b++) {
    for (int yR = 0; yR < outSize.x; yR++) {
      int xR = yR * strides.x - pads.x + wR * dilations.x;
      if (xR < 0 || xR >= inSize.x) continue;
      for (int yC = 0; yC < outSize.y; yC += 2) {
        // dy at (yC, d2), (yC, d2+1), (yC+1, d2), (yC+1, d2+1); column yC+1 may lie past the edge
        vec4 g = getDy(b, yR, yC, d2);
        if (lastColumnOdd && yC + 1 == outSize.y) g.zw = vec2(0.0);
        int xC = yC * strides.y - pads.y + wC * dilations.y;
        vec2 x0 = xColumnPair(b, xR, xC, d1);               // x at column yC: (d1, d1+1)
        vec2 x1 = xColumnPair(b, xR, xC + strides.y, d1);   // x at column yC+1
        sum += x0.xxyy * g.xyxy + x1.xxyy * g.zwzw;
      }
    }
  }
  setOutput(sum);
}`;

export class Conv2DBackpropFilterPackedProgram implements GPGPUProgram {
  variableNames = ['x', 'dy'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;
  customUniforms: CustomUniforms = [...WINDOW_UNIFORMS, {name: 'batchSize', type: 'int'}];

  constructor(g: ConvGeometry) {
    this.outputShape = g.filterShape;
    this.userCode = [columnPairGlsl('xColumnPair', 'x', 'inSize.y'), MAIN].join('\n');
  }
}
