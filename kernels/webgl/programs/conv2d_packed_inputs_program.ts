// Conv2DPackedInputsProgram: HandmadeConv2D for NHWC without groups and with an even number of
// input channels, on packed (RGBA) textures throughout. tfjs packs an NHWC tensor's last two axes
// in 2x2 blocks, so one texel of x holds columns (xC, xC+1) x channels (d1, d1+1), xC and d1 even,
// and one texel of W holds (d1, d1+1) x (d2, d2+1): the two operands of a 2x2 block of a matrix
// product. One fragment computes y at columns (yC, yC+1) x channels (d2, d2+1). For each filter row
// and pair of input channels it reads every texel of x that the row's taps touch once, then one
// texel of W per tap: a 3x3 filter at stride 1 or 2 touches 3 texels of x, so 6 reads per 24
// multiply-adds, where a read of x per tap and output column costs 8 or 9.
//
// yC is even, so the parity of the first column, yC * stride - padLeft, is that of padLeft, and
// which texel (and which half of it) each tap and output column reads is known when the shader
// is written: the taps are unrolled in the generated code.
//
// The texels are read by position (texel_addressing.ts), not through tfjs's samplers: a packed
// texture stores its texels row-major in the order of their flat index (b, r, c / 2, d / 2 for x;
// wR, wC, d1 / 2, d2 / 2 for W), so stepping d1 by 2 moves x's index by 1 and W's by
// ceil(outC / 2). The loop carries each texel's position and advances it with an add and a wrap,
// where a sampler call costs a division per read; on SwiftShader that arithmetic is a large part
// of a read's cost. finish() (epilogue.ts) returns the block as it is, or fused.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {Epilogue, epilogueGlsl, withEpilogue} from './epilogue';
import {TEXEL_ADDRESSING_GLSL} from './texel_addressing';
import {windowConstantsGlsl} from './uniforms';

/** GLSL main() for g: the taps unrolled over the filter's columns. */
function mainGlsl(g: ConvGeometry): string {
  const e = g.padInfo.left & 1; // parity of every fragment's first column
  // Column offset, from the even column below the first, of tap wC for output column j.
  const offset = (wC: number, j: number) => e + wC * g.dilationWidth + j * g.strideWidth;
  const taps = Array.from({length: g.filterWidth}, (_, wC) => wC);
  const offsets = [...new Set(taps.flatMap((wC) => [offset(wC, 0), offset(wC, 1)]))].sort(
    (a, b) => a - b,
  );
  const texels = [...new Set(offsets.map((u) => u >> 1))];
  const lines: string[] = [];
  lines.push(`
void main() {
  ivec4 o = getOutputCoords();  // y is [B, outH, outW, outC]; this texel: (yC, yC+1) x (d2, d2+1)
  int b = o.x;
  int yR = o.y;
  int yC = o.z;
  int d2 = o.w;
  vec2 xSize = vec2(textureSize(x, 0));
  vec2 wSize = vec2(textureSize(W, 0));
  int xWidth = int(xSize.x);
  int wWidth = int(wSize.x);
  vec2 xStep = vec2(1.0, 0.0);
  vec2 wStep = vec2(outTexels % wWidth, outTexels / wWidth);
  int xRCorner = yR * strides.x - pads.x;
  int evenCol = yC * strides.y - pads.y - ${e};  // even; column offsets count from here
  int texelCol = evenCol / 2;`);
  // Whether each offset's column lies inside x, once per fragment: a tap outside adds nothing
  // (its products are selected away, not multiplied by 0, as W may be infinite).
  for (const u of offsets)
    lines.push(`  bool in${u} = evenCol + ${u} >= 0 && evenCol + ${u} < inSize.y;`);
  // The texel columns read, clamped into x (a clamped one is read only for columns outside).
  for (const t of texels) lines.push(`  int tc${t} = clamp(texelCol + ${t}, 0, inColTexels - 1);`);
  lines.push(`
  vec4 sum = vec4(0.0);
  // y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
  for (int wR = 0; wR < filterSize.x; wR++) {
    int xR = xRCorner + wR * dilations.x;
    if (xR < 0 || xR >= inSize.x) continue;
    int xRowTexel = (b * inSize.x + xR) * inColTexels;  // flat texel index of x[b, xR, 0, 0] / inTexels`);
  for (const t of texels)
    lines.push(`    vec2 px${t} = centerAt((xRowTexel + tc${t}) * inTexels, xWidth);`);
  for (const wC of taps) {
    lines.push(
      `    vec2 pw${wC} = centerAt(((wR * filterSize.y + ${wC}) * inTexels) * outTexels + d2 / 2, wWidth);`,
    );
  }
  lines.push(`    for (int k = 0; k < inTexels; k++) {  // input channels (2k, 2k+1)`);
  for (const t of texels)
    lines.push(
      `      vec4 x${t} = texture(x, px${t} / xSize);  // columns (${2 * t}, ${2 * t + 1}) from evenCol`,
    );
  for (const wC of taps) {
    const half = (u: number) => `x${u >> 1}.${(u & 1) === 0 ? 'xy' : 'zw'}`;
    const [u0, u1] = [offset(wC, 0), offset(wC, 1)];
    lines.push(`      {  // tap wC = ${wC}`);
    lines.push(
      `        vec4 a = vec4(${half(u0)}, ${half(u1)});  // (yC,d1) (yC,d1+1) (yC+1,d1) (yC+1,d1+1)`,
    );
    lines.push(
      `        vec4 w = texture(W, pw${wC} / wSize);  // (d1,d2) (d1,d2+1) (d1+1,d2) (d1+1,d2+1)`,
    );
    lines.push(
      `        sum += mix(vec4(0.0), a.xxzz * w.xyxy + a.yyww * w.zwzw, bvec4(in${u0}, in${u0}, in${u1}, in${u1}));`,
    );
    lines.push(`      }`);
  }
  for (const t of texels) lines.push(`      px${t} = advanceCenter(px${t}, xStep, xSize.x);`);
  for (const wC of taps) lines.push(`      pw${wC} = advanceCenter(pw${wC}, wStep, wSize.x);`);
  lines.push(`    }
  }
  setOutput(finish(sum));
}`);
  return lines.join('\n');
}

export class Conv2DPackedInputsProgram implements GPGPUProgram {
  variableNames: string[] = [];
  customUniforms?: GPGPUProgram['customUniforms'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  /** With an epilogue, HandmadeFusedConv2D: bias and PReLU weights are two more inputs. */
  constructor(g: ConvGeometry, epilogue?: Epilogue) {
    withEpilogue(this, ['x', 'W'], epilogue);
    this.outputShape = g.outShape;
    this.userCode = [
      windowConstantsGlsl(g, {
        inTexels: Math.ceil(g.inChannels / 2), // texels across x's channels (and W's rows of a tap)
        outTexels: Math.ceil(g.outChannels / 2), // texels across W's output channels
        inColTexels: Math.ceil(g.inWidth / 2), // texels across x's columns
      }),
      TEXEL_ADDRESSING_GLSL,
      epilogueGlsl(epilogue),
      mainGlsl(g),
    ].join('\n');
  }
}
