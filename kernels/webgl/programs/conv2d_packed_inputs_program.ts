// Conv2DPackedInputsProgram: HandmadeConv2D for NHWC without groups and with an even number of
// input channels, on packed (RGBA) textures throughout. tfjs packs an NHWC tensor's last two axes
// in 2x2 blocks, so one texel of x holds columns (xC, xC+1) x channels (d1, d1+1), xC and d1 even,
// and one texel of W holds (d1, d1+1) x (d2, d2+1): exactly the two operands of a 2x2 block of a
// matrix product. One fragment computes y at columns (yC, yC+1) x channels (d2, d2+1); per tap and
// pair of input channels it reads one texel of W and one texel of x where the two columns it
// needs share one (stride 1, xC even), else two: 8 multiply-adds per 2 or 3 reads.
//
// The texels are fetched by position, not through tfjs's samplers: a packed texture stores its
// texels row-major in the order of their flat index (b, r, c / 2, d / 2 for x; wR, wC, d1 / 2,
// d2 / 2 for W), so stepping d1 by 2 moves x's index by 1 and W's by ceil(outC / 2). The loops
// carry the texel position and advance it with an add and a wrap, where a sampler call costs a
// division per read; on SwiftShader that address arithmetic is a large part of a read's cost.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';
import type {ConvGeometry} from '../../geometry';
import {windowConstantsGlsl} from './uniforms';

const MAIN = `
// The texel at flat index i of a packed texture width texels wide.
ivec2 texelAt(int i, int width) {
  int row = i / width;
  return ivec2(i - row * width, row);
}

// p advanced by step = (step % width, step / width) texels, wrapping at the row's end.
ivec2 advance(ivec2 p, ivec2 step, int width) {
  p += step;
  int wrap = p.x >= width ? 1 : 0;
  return ivec2(p.x - wrap * width, p.y + wrap);
}

void main() {
  ivec4 o = getOutputCoords();  // y is [B, outH, outW, outC]; this texel: (yC, yC+1) x (d2, d2+1)
  int b = o.x;
  int yR = o.y;
  int yC = o.z;
  int d2 = o.w;
  int xWidth = textureSize(x, 0).x;
  int wWidth = textureSize(W, 0).x;
  ivec2 xStep = ivec2(1, 0);
  ivec2 wStep = ivec2(outTexels % wWidth, outTexels / wWidth);
  int xRCorner = yR * strides.x - pads.x;
  int xCCorner = yC * strides.y - pads.y;
  vec4 sum = vec4(0.0);
  // y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
  for (int wR = 0; wR < filterSize.x; wR++) {
    int xR = xRCorner + wR * dilations.x;
    if (xR < 0 || xR >= inSize.x) continue;
    int xRowTexel = (b * inSize.x + xR) * inColTexels;  // flat index of x[b, xR, 0, 0]
    for (int wC = 0; wC < filterSize.y; wC++) {
      int xC0 = xCCorner + wC * dilations.y;  // read by output column yC
      int xC1 = xC0 + strides.y;              // read by output column yC+1
      bool in0 = xC0 >= 0 && xC0 < inSize.y;
      bool in1 = xC1 >= 0 && xC1 < inSize.y;
      if (!in0 && !in1) continue;
      ivec2 pw = texelAt(((wR * filterSize.y + wC) * inTexels) * outTexels + d2 / 2, wWidth);
      if (in0 && in1 && xC1 == xC0 + 1 && (xC0 & 1) == 0) {
        // both columns in one texel of x
        ivec2 px = texelAt((xRowTexel + xC0 / 2) * inTexels, xWidth);
        for (int k = 0; k < inTexels; k++) {
          vec4 a = texelFetch(x, px, 0);  // (xC0,d1) (xC0,d1+1) (xC1,d1) (xC1,d1+1)
          vec4 w = texelFetch(W, pw, 0);  // (d1,d2) (d1,d2+1) (d1+1,d2) (d1+1,d2+1)
          sum += a.xxzz * w.xyxy + a.yyww * w.zwzw;
          px = advance(px, xStep, xWidth);
          pw = advance(pw, wStep, wWidth);
        }
      } else {
        // each column from its own texel, at its own parity; a column outside x reads 0
        bool odd0 = (xC0 & 1) == 1;
        bool odd1 = (xC1 & 1) == 1;
        ivec2 p0 = texelAt((xRowTexel + max(xC0, 0) / 2) * inTexels, xWidth);
        ivec2 p1 = texelAt((xRowTexel + min(xC1, inSize.y - 1) / 2) * inTexels, xWidth);
        for (int k = 0; k < inTexels; k++) {
          vec4 t0 = in0 ? texelFetch(x, p0, 0) : vec4(0.0);
          vec4 t1 = in1 ? texelFetch(x, p1, 0) : vec4(0.0);
          vec4 a = vec4(odd0 ? t0.zw : t0.xy, odd1 ? t1.zw : t1.xy);
          vec4 w = texelFetch(W, pw, 0);
          sum += a.xxzz * w.xyxy + a.yyww * w.zwzw;
          p0 = advance(p0, xStep, xWidth);
          p1 = advance(p1, xStep, xWidth);
          pw = advance(pw, wStep, wWidth);
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
    this.userCode = [
      windowConstantsGlsl(g, {
        inTexels: Math.ceil(g.inChannels / 2),     // texels across x's channels (and W's rows of a tap)
        outTexels: Math.ceil(g.outChannels / 2),   // texels across W's output channels
        inColTexels: Math.ceil(g.inWidth / 2),     // texels across x's columns
      }),
      MAIN,
    ].join('\n');
  }
}
