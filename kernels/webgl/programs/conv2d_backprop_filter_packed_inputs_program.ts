// Conv2DBackpropFilterPackedInputsProgram: HandmadeConv2DBackpropFilter for NHWC without groups and with
// an even number of input channels, on packed (RGBA) textures throughout. One fragment computes a
// 2x2 block of dW, channels (d1, d1+1) x (d2, d2+1) at one tap (wR, wC). tfjs packs an NHWC
// tensor's last two axes in 2x2 blocks, so one texel of dy holds columns (yC, yC+1) x channels
// (d2, d2+1), yC even, and one texel of x holds columns (xC, xC+1) x channels (d1, d1+1), xC even.
// Per pair of dy columns the fragment reads one texel of dy and the texels of x that the two
// columns' inputs, yC*s + colOff and (yC+1)*s + colOff, fall in (one or two) for 8 multiply-adds.
//
// yC is even, so the parity of the first input column is that of colOff = wC*dl - padLeft, the
// same for the whole fragment: the shader holds the loop once per parity, each with its reads
// unrolled at known texels and halves.
//
// The texels are fetched by position, not through tfjs's samplers: a packed texture stores its
// texels row-major in the order of their flat index (b, r, c / 2, d / 2), so the next pair of dy
// columns is ceil(outC / 2) texels on and the x texels s * ceil(inC / 2) on. Each position is
// computed once per row of dy and then advanced with an add and a wrap, where a sampler call
// costs a division per read. Columns whose input lies outside x, and the lane past dy's last
// column, are masked; the texels read for them may lie anywhere and are never used.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';
import type {ConvGeometry} from '../../geometry';
import {TEXEL_ADDRESSING_GLSL} from './texel_addressing';
import {windowConstantsGlsl} from './uniforms';

const HELPERS = `
// The outputs o in [0, outLen) whose input position o * stride + a lies in [0, inLen): [lo, hi).
ivec2 insideRange(int a, int stride, int inLen, int outLen) {
  int lo = a >= 0 ? 0 : (stride - 1 - a) / stride;
  int last = inLen - 1 - a;  // o * stride <= last
  int hi = last < 0 ? 0 : min(outLen, last / stride + 1);
  return ivec2(lo, max(lo, hi));
}
`;

/** The pair loop for first-column parity e (of colOff), reads unrolled. */
function pairLoop(g: ConvGeometry, e: number): string {
  const s = g.strideWidth;
  const offsets = [e, e + s];  // input column of dy column j, from the even column below the first
  const texels = [...new Set(offsets.map((u) => u >> 1))];
  const lines: string[] = [];
  lines.push(`      int base = colOff - ${e};  // even; + 2p*s is the even column below pair p's first input`);
  for (const t of texels) {
    lines.push(`      ivec2 px${t} = texelAt(((xRowTexel + (firstPair * ${2 * s} + base) / 2 + ${t}) * inTexels) + d1 / 2, xWidth);`);
  }
  lines.push(`      ivec2 pg = texelAt((dyRowTexel + firstPair) * outTexels + d2 / 2, dyWidth);`);
  lines.push(`      for (int p = 0; p < outColTexels; p++) {  // dy columns (2p, 2p+1)`);
  lines.push(`        if (p < firstPair || p > lastPair) continue;`);
  lines.push(`        vec4 g = texelFetch(dy, pg, 0);  // (yC,d2) (yC,d2+1) (yC+1,d2) (yC+1,d2+1)`);
  for (const t of texels) lines.push(`        vec4 x${t} = texelFetch(x, px${t}, 0);  // columns (${2 * t}, ${2 * t + 1}) from base + 2p*s`);
  offsets.forEach((u, j) => {
    const a = `x${u >> 1}.${(u & 1) === 0 ? 'xy' : 'zw'}`;
    lines.push(`        vec2 a${j} = 2 * p + ${j} >= cols.x && 2 * p + ${j} < cols.y ? ${a} : vec2(0.0);  // (d1, d1+1)`);
  });
  lines.push(`        sum += a0.xxyy * g.xyxy + a1.xxyy * g.zwzw;`);
  lines.push(`        pg = advance(pg, dyStep, dyWidth);`);
  for (const t of texels) lines.push(`        px${t} = advance(px${t}, xStep, xWidth);`);
  lines.push(`      }`);
  return lines.join('\n');
}

function mainGlsl(g: ConvGeometry): string {
  return `
void main() {
  ivec4 o = getOutputCoords();  // dW is [fh, fw, inC, outC]; this texel: (d1, d1+1) x (d2, d2+1)
  int wR = o.x;
  int wC = o.y;
  int d1 = o.z;
  int d2 = o.w;
  int xWidth = textureSize(x, 0).x;
  int dyWidth = textureSize(dy, 0).x;
  ivec2 xStep = ivec2((${g.strideWidth} * inTexels) % xWidth, (${g.strideWidth} * inTexels) / xWidth);
  ivec2 dyStep = ivec2(outTexels % dyWidth, outTexels / dyWidth);
  int rowOff = wR * dilations.x - pads.x;  // xR = yR * strides.x + rowOff
  int colOff = wC * dilations.y - pads.y;  // xC = yC * strides.y + colOff
  ivec2 rows = insideRange(rowOff, strides.x, inSize.x, outSize.x);
  ivec2 cols = insideRange(colOff, strides.y, inSize.y, outSize.y);
  int firstPair = cols.x / 2;
  int lastPair = (cols.y - 1) / 2;
  bool even = (colOff & 1) == 0;
  vec4 sum = vec4(0.0);
  // dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · dy[b,yR,yC,d2]
  if (cols.x < cols.y) {
    for (int b = 0; b < batchSize; b++) {
      for (int yR = 0; yR < outSize.x; yR++) {
        if (yR < rows.x || yR >= rows.y) continue;
        int xRowTexel = (b * inSize.x + yR * strides.x + rowOff) * inColTexels;  // x[b, xR, 0, 0] / inTexels
        int dyRowTexel = (b * outSize.x + yR) * outColTexels;                     // dy[b, yR, 0, 0] / outTexels
        if (even) {
${pairLoop(g, 0)}
        } else {
${pairLoop(g, 1)}
        }
      }
    }
  }
  setOutput(sum);
}`;
}

export class Conv2DBackpropFilterPackedInputsProgram implements GPGPUProgram {
  variableNames = ['x', 'dy'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.filterShape;
    this.userCode = [
      windowConstantsGlsl(g, {
        batchSize: g.batchSize,
        inTexels: Math.ceil(g.inChannels / 2),      // texels across x's channels
        outTexels: Math.ceil(g.outChannels / 2),    // texels across dy's channels
        inColTexels: Math.ceil(g.inWidth / 2),      // texels across x's columns
        outColTexels: Math.ceil(g.outWidth / 2),    // texels across dy's columns
      }),
      TEXEL_ADDRESSING_GLSL,
      HELPERS,
      mainGlsl(g),
    ].join('\n');
  }
}
