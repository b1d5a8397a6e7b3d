// Conv2DBackpropInputBlocksProgram: HandmadeConv2DBackpropInput for NHWC without groups, as a
// gather (geometry.ts, equation (2)), with a packed (RGBA) output. One fragment computes a 2x2
// block of dx, input columns (xC, xC+1) x channels (d1, d1+1); the two columns solve for their
// own yC (with stride 2 they never share one). Per tap and output channel it reads two values of
// W and up to two of dy for 4 multiply-adds, the inputs unpacked. The dispatcher uses it only
// where col2im's product would outgrow its bound (dispatch.ts).

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {windowConstantsGlsl} from './uniforms';
import {SOLVE_GLSL} from './windows';

const MAIN = `
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
      int yC0 = solveColumn(xC, wC);      // the dy column that reaches xC through tap wC
      int yC1 = solveColumn(xC + 1, wC);  // and the one that reaches xC+1
      if (yC0 < 0 && yC1 < 0) continue;
      for (int d2 = 0; d2 < outChannels; d2++) {
        // d1+1 (and xC+1) may lie past the edge: those lanes are never stored
        vec2 w = vec2(getW(wR, wC, d1, d2), getW(wR, wC, d1 + 1, d2));
        // a column that no dy reaches adds nothing, not 0 * W (W may be infinite)
        vec2 p0 = yC0 >= 0 ? getDy(b, yR, yC0, d2) * w : vec2(0.0);
        vec2 p1 = yC1 >= 0 ? getDy(b, yR, yC1, d2) * w : vec2(0.0);
        sum += vec4(p0, p1);
      }
    }
  }
  setOutput(sum);
}`;

export class Conv2DBackpropInputBlocksProgram implements GPGPUProgram {
  variableNames = ['dy', 'W'];
  outputShape: number[];
  userCode: string;
  packedInputs = false;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.inShape;
    this.userCode = [windowConstantsGlsl(g, {outChannels: g.outChannels}), SOLVE_GLSL, MAIN].join(
      '\n',
    );
  }
}
