// Conv2DBackpropFilterPackedInputsProgram: HandmadeConv2DBackpropFilter for NHWC without groups,
// on packed (RGBA) textures throughout. One texel of x holds columns (xC, xC+1) x channels
// (d1, d1+1), one texel of dy holds columns (yC, yC+1) x channels (d2, d2+1). One fragment
// computes dW at one tap (wR, wC), channels (d1, d1+1) x (d2, d2+1), and walks the output columns
// two at a time: one read of dy and one of x where the two x columns share a texel (stride 1,
// xC even), else two, for 8 multiply-adds. Lanes past inC or outC are computed from whatever the
// texels hold there and never stored.

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
      for (int yC = 0; yC < outSize.y; yC += 2) {
        vec4 g = getDy(b, yR, yC, d2);  // (yC,d2) (yC,d2+1) (yC+1,d2) (yC+1,d2+1)
        if (yC + 1 == outSize.y) g.zw = vec2(0.0);  // column yC+1 past the edge
        int xC0 = yC * strides.y - pads.y + wC * dilations.y;  // read by output column yC
        int xC1 = xC0 + strides.y;                             // read by output column yC+1
        bool in0 = xC0 >= 0 && xC0 < inSize.y;
        bool in1 = xC1 >= 0 && xC1 < inSize.y;
        vec4 a;  // (xC0,d1) (xC0,d1+1) (xC1,d1) (xC1,d1+1)
        if (in0 && in1 && xC1 == xC0 + 1 && (xC0 & 1) == 0) {
          a = getX(b, xR, xC0, d1);
        } else {
          vec4 t0 = in0 ? getX(b, xR, xC0, d1) : vec4(0.0);
          vec4 t1 = in1 ? getX(b, xR, xC1, d1) : vec4(0.0);
          a = vec4((xC0 & 1) == 1 ? t0.zw : t0.xy, (xC1 & 1) == 1 ? t1.zw : t1.xy);
        }
        sum += a.xxyy * g.xyxy + a.zzww * g.zwzw;
      }
    }
  }
  setOutput(sum);
}`;

export class Conv2DBackpropFilterPackedInputsProgram implements GPGPUProgram {
  variableNames = ['x', 'dy'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.filterShape;
    this.userCode = [windowConstantsGlsl(g, {batchSize: g.batchSize}), MAIN].join('\n');
  }
}
