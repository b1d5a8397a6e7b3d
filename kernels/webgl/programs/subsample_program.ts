// SubsampleProgram: x at the positions a strided 1x1 convolution without padding reads,
// xs[b, yR, yC, d] = x[b, yR * strideH, yC * strideW, d], packed as x is. The convolution of xs at
// stride 1 is then a matrix product over textures (conv2d_packed_inputs_program.ts, 'pointwise'),
// where the strided one reads two texels of x for each texel's worth of columns it uses: the
// columns yC * s and (yC + 1) * s lie in different texels of x at any stride above 1.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';

const MAIN = `
vec2 column(int b, int xR, int xC, int d) {  // x[b, xR, xC, (d, d+1)], d even
  vec4 t = getX(b, xR, xC, d);  // columns (xC - xC % 2, + 1) x channels (d, d+1)
  return (xC & 1) == 0 ? t.xy : t.zw;
}

void main() {
  ivec4 o = getOutputCoords();  // xs is [B, outH, outW, C]; this texel: (yC, yC+1) x (d, d+1)
  int xR = o.y * strides.x;
  int xC = o.z * strides.y;
  // column yC + 1 past the last one reads a column of x inside it, and is never read
  int next = min(xC + strides.y, inWidth - 1);
  setOutput(vec4(column(o.x, xR, xC, o.w), column(o.x, xR, next, o.w)));
}`;

export class SubsampleProgram implements GPGPUProgram {
  variableNames = ['X'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  /** g: a 1x1 convolution without padding (NHWC). */
  constructor(g: ConvGeometry) {
    this.outputShape = [g.batchSize, g.outHeight, g.outWidth, g.inChannels];
    this.userCode = [
      `const ivec2 strides = ivec2(${g.strideHeight}, ${g.strideWidth});`,
      `const int inWidth = ${g.inWidth};`,
      MAIN,
    ].join('\n');
  }
}
