// Conv2DPackedInputsProgram: HandmadeConv2D for NHWC without groups and with an even number of
// input channels, on packed (RGBA) textures throughout. tfjs packs an NHWC tensor's last two axes
// in 2x2 blocks, so one texel of x holds columns (xC, xC+1) x channels (d1, d1+1), xC and d1 even,
// and one texel of W holds (d1, d1+1) x (d2, d2+1): exactly the two operands of a 2x2 block of a
// matrix product. One fragment computes y at columns (yC, yC+1) x channels (d2, d2+1); per tap and
// pair of input channels it reads one texel of W and one texel of x where the two columns it
// needs share one (stride 1, xC even), else two: 8 multiply-adds per 2 or 3 reads.

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
      if (in0 && in1 && xC1 == xC0 + 1 && (xC0 & 1) == 0) {
        // both columns in one texel of x
        for (int d1 = 0; d1 < inChannels; d1 += 2) {
          vec4 a = getX(b, xR, xC0, d1);  // (xC0,d1) (xC0,d1+1) (xC1,d1) (xC1,d1+1)
          vec4 w = getW(wR, wC, d1, d2);  // (d1,d2) (d1,d2+1) (d1+1,d2) (d1+1,d2+1)
          sum += a.xxzz * w.xyxy + a.yyww * w.zwzw;
        }
      } else {
        // each column from its own texel, at its own parity; a column outside x reads 0
        bool odd0 = (xC0 & 1) == 1;
        bool odd1 = (xC1 & 1) == 1;
        for (int d1 = 0; d1 < inChannels; d1 += 2) {
          vec4 t0 = in0 ? getX(b, xR, xC0, d1) : vec4(0.0);
          vec4 t1 = in1 ? getX(b, xR, xC1, d1) : vec4(0.0);
          vec4 a = vec4(odd0 ? t0.zw : t0.xy, odd1 ? t1.zw : t1.xy);
          vec4 w = getW(wR, wC, d1, d2);
          sum += a.xxzz * w.xyxy + a.yyww * w.zwzw;
        }
      }
    }
  }
  setOutput(sum);
}`;

export class Conv2DPackedInputsProgram implements GPGPUProgram {
  variableNames = ['x', 'W'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.outShape;
    this.userCode = [windowConstantsGlsl(g, {inChannels: g.inChannels}), MAIN].join('\n');
  }
}
