// Col2imProgram: HandmadeConv2DBackpropInput's second pass for NHWC without groups, after the
// product D = dy · Wᵀ (programs/gemm_program.ts): D[b, yR, yC, (wR * fw + wC) * inCp + d1] is what
// output position (b, yR, yC) sends input channel d1 through tap (wR, wC) (inCp: inC rounded up to
// even), and dx gathers it back (geometry.ts, equation (2)):
//
//     dx[b, xR, xC, d1] = Σ D[b, yR, yC, (wR * fw + wC) * inCp + d1]
//                         over yR = (xR + padTop - wR*dl) / s integral in [0, outH), and yC alike
//
// One fragment computes a 2x2 block of dx, columns (xC, xC+1) x channels (d1, d1+1): per tap and
// column one texel of D, of which it takes the half that holds its column. D is read as
// [1, 2 * positionTexels, fh * fw * inCp], the packed grid the product writes.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {windowConstantsGlsl} from './uniforms';
import {SOLVE_GLSL} from './windows';

const MAIN = `
// D's lanes (d1, d1+1) at (b, yR, yC) for tap (wR, wC), or 0 where yC is -1
vec2 sent(int b, int yR, int yC, int tap, int d1) {
  if (yC < 0) return vec2(0.0);
  vec4 t = getD(0, 2 * ((b * outSize.x + yR) * outColTexels + yC / 2), tap * inCp + d1);
  return (yC & 1) == 0 ? t.xy : t.zw;
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
    int yR = solveRow(xR, wR);
    if (yR < 0) continue;
    for (int wC = 0; wC < filterSize.y; wC++) {
      int tap = wR * filterSize.y + wC;
      sum.xy += sent(b, yR, solveColumn(xC, wC), tap, d1);
      sum.zw += sent(b, yR, solveColumn(xC + 1, wC), tap, d1);
    }
  }
  setOutput(sum);
}`;

export class Col2imProgram implements GPGPUProgram {
  variableNames = ['D'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.inShape;
    this.userCode = [
      windowConstantsGlsl(g, {
        inCp: 2 * Math.ceil(g.inChannels / 2),
        outColTexels: Math.ceil(g.outWidth / 2),
      }),
      SOLVE_GLSL,
      MAIN,
    ].join('\n');
  }
}
