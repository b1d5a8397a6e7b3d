// Conv2DBackpropInputPackedInputsProgram: HandmadeConv2DBackpropInput for NHWC without groups and
// with an even number of output channels, as a gather (geometry.ts, equation (2)) on packed (RGBA)
// textures throughout. One texel of dy holds columns (yC, yC+1) x channels (d2, d2+1), one texel
// of W holds (d1, d1+1) x (d2, d2+1). One fragment computes dx at columns (xC, xC+1) x channels
// (d1, d1+1); each column solves for its own yC. Where the two yC are neighbours in one texel
// (stride 1, yC even) a pair of output channels costs one read of dy and one of W for 8
// multiply-adds, else two reads of dy.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';
import type {ConvGeometry} from '../../geometry';
import {windowConstantsGlsl} from './uniforms';

const MAIN = `
// yC with xC = yC*s - padLeft + wC*dl, or -1 where that has no integer solution in [0, outW)
int solveColumn(int xC, int wC) {
  int yCScaled = xC + pads.y - wC * dilations.y;
  if (yCScaled < 0 || yCScaled % strides.y != 0) return -1;
  int yC = yCScaled / strides.y;
  return yC < outSize.y ? yC : -1;
}

void main() {
  ivec4 o = getOutputCoords();  // dx is [B, inH, inW, inC]; this texel: (xC, xC+1) x (d1, d1+1)
  int b = o.x;
  int xR = o.y;
  int xC = o.z;
  int d1 = o.w;
  vec4 sum = vec4(0.0);
  // dx[b,xR,xC,d1] = Σ dy[b,yR,yC,d2] · W[wR,wC,d1,d2] over yR = (xR + padTop - wR*dl) / s integral in [0, outH) (columns alike)
  for (int wR = 0; wR < filterSize.x; wR++) {
    int yRScaled = xR + pads.x - wR * dilations.x;
    if (yRScaled < 0 || yRScaled % strides.x != 0) continue;
    int yR = yRScaled / strides.x;
    if (yR >= outSize.x) continue;
    for (int wC = 0; wC < filterSize.y; wC++) {
      int yC0 = solveColumn(xC, wC);      // the dy column that reaches xC through tap wC
      int yC1 = solveColumn(xC + 1, wC);  // and the one that reaches xC+1
      if (yC0 < 0 && yC1 < 0) continue;
      if (yC0 >= 0 && yC1 == yC0 + 1 && (yC0 & 1) == 0) {
        // both columns in one texel of dy
        for (int d2 = 0; d2 < outChannels; d2 += 2) {
          vec4 a = getDy(b, yR, yC0, d2);  // (yC0,d2) (yC0,d2+1) (yC1,d2) (yC1,d2+1)
          vec4 w = getW(wR, wC, d1, d2);   // (d1,d2) (d1,d2+1) (d1+1,d2) (d1+1,d2+1)
          sum += a.xxzz * w.xzxz + a.yyww * w.ywyw;
        }
      } else {
        // each column from its own texel, at its own parity; a column with no yC reads 0
        bool odd0 = (yC0 & 1) == 1;
        bool odd1 = (yC1 & 1) == 1;
        for (int d2 = 0; d2 < outChannels; d2 += 2) {
          vec4 t0 = yC0 >= 0 ? getDy(b, yR, yC0, d2) : vec4(0.0);
          vec4 t1 = yC1 >= 0 ? getDy(b, yR, yC1, d2) : vec4(0.0);
          vec4 a = vec4(odd0 ? t0.zw : t0.xy, odd1 ? t1.zw : t1.xy);
          vec4 w = getW(wR, wC, d1, d2);
          sum += a.xxzz * w.xzxz + a.yyww * w.ywyw;
        }
      }
    }
  }
  setOutput(sum);
}`;

export class Conv2DBackpropInputPackedInputsProgram implements GPGPUProgram {
  variableNames = ['dy', 'W'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.inShape;
    this.userCode = [windowConstantsGlsl(g, {outChannels: g.outChannels}), MAIN].join('\n');
  }
}
