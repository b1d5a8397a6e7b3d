// The two passes of HandmadeConv2DBackpropFilter for NHWC without groups, dW = im2col(x)ᵀ · dy
// with the im2col read in place:
//
// Conv2DBackpropFilterRowsProgram: dW as a [K, outC] matrix, K = fh*fw*inC rows in (wR, wC, d1)
// order, with a packed (RGBA) output. One fragment computes a 2x2 block, rows (k, k+1) x channels
// (d2, d2+1); the two rows are two taps of their own (with inC = 1 they are neighbouring filter
// columns, so no lane is wasted on a channel that does not exist). Per output position it reads
// two values of x and two of dy for 4 multiply-adds, where one fragment per weight reads two for
// one. The inputs stay unpacked: SwiftShader's cost follows the values a shader reads, and an RGBA
// read costs about as much as four single ones.
//
// FilterFromRowsProgram: the [K, outC] blocks, one value per fragment, into dW's own
// [fh, fw, inC, outC] (unpacked).

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';
import type {ConvGeometry} from '../../geometry';
import {windowConstantsGlsl} from './uniforms';

const ROWS_MAIN = `
// row k of im2col(x)ᵀ is the tap (wR, wC, d1) with k = (wR * fw + wC) * inC + d1
ivec3 tapOf(int k) {
  int d1 = k % inChannels;
  int wRC = k / inChannels;
  return ivec3(wRC / filterSize.y, wRC % filterSize.y, d1);
}

void main() {
  ivec2 o = getOutputCoords();  // [K, outC]; this texel: rows (k, k+1) x (d2, d2+1)
  int k = o.x;
  int d2 = o.y;
  // row k+1 and channel d2+1 may lie past the edge: those lanes are never stored
  ivec3 tap0 = tapOf(k);
  ivec3 tap1 = tapOf(k + 1);
  vec4 sum = vec4(0.0);
  // dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · dy[b,yR,yC,d2]
  for (int b = 0; b < batchSize; b++) {
    for (int yR = 0; yR < outSize.x; yR++) {
      int xR0 = yR * strides.x - pads.x + tap0.x * dilations.x;
      int xR1 = yR * strides.x - pads.x + tap1.x * dilations.x;
      bool row0 = xR0 >= 0 && xR0 < inSize.x;
      bool row1 = xR1 >= 0 && xR1 < inSize.x;
      if (!row0 && !row1) continue;
      for (int yC = 0; yC < outSize.y; yC++) {
        int xC0 = yC * strides.y - pads.y + tap0.y * dilations.y;
        int xC1 = yC * strides.y - pads.y + tap1.y * dilations.y;
        float x0 = row0 && xC0 >= 0 && xC0 < inSize.y ? getX(b, xR0, xC0, tap0.z) : 0.0;
        float x1 = row1 && xC1 >= 0 && xC1 < inSize.y ? getX(b, xR1, xC1, tap1.z) : 0.0;
        vec2 g = vec2(getDy(b, yR, yC, d2), getDy(b, yR, yC, d2 + 1));
        sum += vec4(x0 * g, x1 * g);
      }
    }
  }
  setOutput(sum);
}`;

export class Conv2DBackpropFilterRowsProgram implements GPGPUProgram {
  variableNames = ['x', 'dy'];
  outputShape: number[];
  userCode: string;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = [g.filterHeight * g.filterWidth * g.inChannels, g.outChannels];
    this.userCode = [windowConstantsGlsl(g, {batchSize: g.batchSize, inChannels: g.inChannels}),
                     ROWS_MAIN].join('\n');
  }
}

const FROM_ROWS_MAIN = `
void main() {
  ivec4 o = getOutputCoords();  // dW is [fh, fw, inC, outC]
  int k = (o.x * filterWidth + o.y) * inChannels + o.z;
  int d2 = o.w;
  // the texel holding (k, d2) holds (k & ~1, d2 & ~1) ... (k | 1, d2 | 1) in x, y, z, w
  vec4 block = getRows(k, d2);
  vec2 row = (k & 1) == 0 ? block.xy : block.zw;
  setOutput((d2 & 1) == 0 ? row.x : row.y);
}`;

export class FilterFromRowsProgram implements GPGPUProgram {
  variableNames = ['rows'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.filterShape;
    this.userCode = [`const int filterWidth = ${g.filterWidth};`,
                     `const int inChannels = ${g.inChannels};`, FROM_ROWS_MAIN].join('\n');
  }
}
