// Conv2DPackedProgram: HandmadeConv2D for NHWC without groups, on packed textures. One fragment
// computes a 2x2 block of y, output columns (yC, yC+1) x channels (d2, d2+1), and walks the input
// channels two at a time: per step one texel of W, (d1, d1+1) x (d2, d2+1), and one texel of x
// per output column, 3 reads for 8 multiply-adds where the unpacked program makes 16.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';
import type {ConvGeometry} from '../../geometry';
import {columnPairGlsl} from './packed';
import {CustomUniforms, WINDOW_UNIFORMS} from './uniforms';

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
      int xC = xCCorner + wC * dilations.y;
      for (int d1 = 0; d1 < inChannels; d1 += 2) {
        vec4 w = getW(wR, wC, d1, d2);                        // (d1,d2) (d1,d2+1) (d1+1,d2) (d1+1,d2+1)
        vec2 x0 = xColumnPair(b, xR, xC, d1);                 // x at column yC: (d1, d1+1)
        vec2 x1 = xColumnPair(b, xR, xC + strides.y, d1);     // x at column yC+1
        if (d1 + 1 == inChannels) {
          // an odd channel count: the texels' second channel lies past the edge
          w.zw = vec2(0.0);
          x0.y = 0.0;
          x1.y = 0.0;
        }
        sum += vec4(dot(x0, w.xz), dot(x0, w.yw), dot(x1, w.xz), dot(x1, w.yw));
      }
    }
  }
  setOutput(sum);
}`;

export class Conv2DPackedProgram implements GPGPUProgram {
  variableNames = ['x', 'W'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;
  customUniforms: CustomUniforms = [...WINDOW_UNIFORMS, {name: 'inChannels', type: 'int'}];

  constructor(g: ConvGeometry) {
    this.outputShape = g.outShape;
    this.userCode = [columnPairGlsl('xColumnPair', 'x', 'inSize.y'), MAIN].join('\n');
  }
}
