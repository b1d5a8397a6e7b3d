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
import {unpadded1x1} from '../dispatch';
import {Epilogue, epilogueGlsl, withEpilogue} from './epilogue';
import {TEXEL_ADDRESSING_GLSL} from './texel_addressing';
import {windowConstantsGlsl} from './uniforms';

// Steps of the channel loop per iteration where the textures have their natural shapes: measured
// on SwiftShader over x[1,56,56,96] * [1,1,96,24], one step per iteration took 1.2x tfjs's
// Conv2D, 2 took 1.0x, 4 and 8 0.9x.
const UNROLL = 4;
const FULL_UNROLL = 16;

/** Where the program finds its texels:
 *  - 'any': each run of channels from its first texel's flat index, every step advanced with a
 *    wrap at a texture row's end (x and W in textures of any shape);
 *  - 'natural': x and W in their natural packed textures, as wide as a run of their channels
 *    (ceil(inC / 2) and ceil(outC / 2) texels): x's runs lie along texture rows and W's down
 *    columns, and never wrap;
 *  - 'pointwise': besides, a 1x1 filter at stride 1 without padding and y in its natural texture
 *    too: the fragment's own texture row is the row of x it reads, and its own column the column
 *    of W, so that the program is a matrix product of the textures with no coordinates
 *    computed (measured on SwiftShader over x[1,112,112,16] * [1,1,16,96]: 15.0-16.0 ms a call
 *    against 16.9 ms on the 'natural' loop and 15.5 ms for tfjs's Conv2D). */
export type TexelWalk = 'any' | 'natural' | 'pointwise';

/** The walk for g where x, W and y are textures `widths` texels wide. */
export function texelWalk(g: ConvGeometry, widths: {x: number; W: number; y: number}): TexelWalk {
  const inTexels = Math.ceil(g.inChannels / 2);
  const outTexels = Math.ceil(g.outChannels / 2);
  if (widths.x !== inTexels || widths.W !== outTexels) return 'any';
  const pointwise =
    unpadded1x1(g) && g.strideHeight === 1 && g.strideWidth === 1 && widths.y === outTexels;
  return pointwise ? 'pointwise' : 'natural';
}

/** GLSL main() for g: the taps unrolled over the filter's columns. */
function mainGlsl(g: ConvGeometry, walk: TexelWalk, epilogue?: Epilogue): string {
  const natural = walk !== 'any';
  const inTexels = Math.ceil(g.inChannels / 2);
  const e = g.padInfo.left & 1; // parity of every fragment's first column
  // Column offset, from the even column below the first, of tap wC for output column j.
  const offset = (wC: number, j: number) => e + wC * g.dilationWidth + j * g.strideWidth;
  const taps = Array.from({length: g.filterWidth}, (_, wC) => wC);
  const offsets = [...new Set(taps.flatMap((wC) => [offset(wC, 0), offset(wC, 1)]))].sort(
    (a, b) => a - b,
  );
  const texels = [...new Set(offsets.map((u) => u >> 1))];
  // Without a left or right pad no output column's tap lies outside x.
  const inside = g.padInfo.left === 0 && g.padInfo.right === 0;

  // One step of the channel loop: input channels (2k, 2k+1) for every tap, j steps on from the
  // runs' current texels; `at(p, j, alongX)` is where a run at texel center p is read then.
  const step = (at: (p: string, j: number, alongX: boolean) => string, j: number) => {
    const body: string[] = [`      {  // ${j} step${j === 1 ? '' : 's'} on`];
    for (const t of texels)
      body.push(`        vec4 x${t} = texture(x, ${at(`px${t}`, j, true)} * xScale);`);
    for (const wC of taps) {
      const half = (u: number) => `x${u >> 1}.${(u & 1) === 0 ? 'xy' : 'zw'}`;
      const [u0, u1] = [offset(wC, 0), offset(wC, 1)];
      // a: (yC,d1) (yC,d1+1) (yC+1,d1) (yC+1,d1+1); w: (d1,d2) (d1,d2+1) (d1+1,d2) (d1+1,d2+1)
      body.push(`        {  // tap wC = ${wC}`);
      body.push(`          vec4 a = vec4(${half(u0)}, ${half(u1)});`);
      body.push(`          vec4 w = texture(W, ${at(`pw${wC}`, j, false)} * wScale);`);
      body.push(
        inside
          ? `          sum += a.xxzz * w.xyxy + a.yyww * w.zwzw;`
          : `          sum += mix(vec4(0.0), a.xxzz * w.xyxy + a.yyww * w.zwzw, ` +
              `bvec4(in${u0}, in${u0}, in${u1}, in${u1}));`,
      );
      body.push(`        }`);
    }
    body.push(`      }`);
    return body.join('\n');
  };
  const ahead = (p: string, j: number, alongX: boolean) =>
    j === 0 ? p : `(${p} + vec2(${alongX ? `${j}.0, 0.0` : `0.0, ${j}.0`}))`;
  const unroll = inTexels <= FULL_UNROLL ? inTexels : UNROLL;
  const whole = Math.floor(inTexels / unroll);
  const loop = (): string[] => {
    const body: string[] = [];
    if (whole === 1) {
      for (let j = 0; j < unroll; j++) body.push(step(ahead, j));
    } else if (whole > 1) {
      body.push(`    for (int k = 0; k < ${whole}; k++) {  // input channels from 2 * ${unroll}k`);
      for (let j = 0; j < unroll; j++) body.push(step(ahead, j));
      for (const t of texels) body.push(`      px${t}.x += ${unroll}.0;`);
      for (const wC of taps) body.push(`      pw${wC}.y += ${unroll}.0;`);
      body.push(`    }`);
    }
    // The rest after the loop, whose steps advanced the coordinates; after one unrolled
    // iteration (none advanced them) it continues at offset `unroll`.
    const restAt = whole === 1 ? unroll : 0;
    for (let j = 0; j < inTexels % unroll; j++) body.push(step(ahead, restAt + j));
    return body;
  };

  if (walk === 'pointwise') {
    // finish() reads no coordinate but the channel, d2, without an epilogue or per channel
    const coords =
      epilogue == null || epilogue.perChannel === true
        ? 'ivec4(0, 0, 0, 2 * int(gl_FragCoord.x))'
        : 'getOutputCoords()';
    return `
void main() {
  // This fragment's texel of y, (yC, yC+1) x (d2, d2+1), is at the row of its texture where x's
  // texel of (yC, yC+1) x (0, 1) is, and at the column where W's texel of (0, 1) x (d2, d2+1) is.
  vec2 xScale = 1.0 / vec2(textureSize(x, 0));
  vec2 wScale = 1.0 / vec2(textureSize(W, 0));
  vec2 px0 = vec2(0.5, gl_FragCoord.y);
  vec2 pw0 = vec2(gl_FragCoord.x, 0.5);
  vec4 sum = vec4(0.0);
  // y[b,yR,yC,d2] = Σ_{d1} x[b, yR, yC, d1] · W[0, 0, d1, d2]
${loop().join('\n')}
  setOutput(finish(sum, ${coords}));
}`;
  }

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
  vec2 xScale = 1.0 / xSize;
  vec2 wScale = 1.0 / wSize;
  int xRCorner = yR * strides.x - pads.x;
  int evenCol = yC * strides.y - pads.y - ${e};  // even; column offsets count from here
  int texelCol = evenCol / 2;`);
  // Whether each offset's column lies inside x, once per fragment: a tap outside adds nothing
  // (its products are selected away, not multiplied by 0, as W may be infinite).
  if (!inside) {
    for (const u of offsets)
      lines.push(`  bool in${u} = evenCol + ${u} >= 0 && evenCol + ${u} < inSize.y;`);
  }
  // The texel columns read, clamped into x (a clamped one is read only for columns outside).
  for (const t of texels) lines.push(`  int tc${t} = clamp(texelCol + ${t}, 0, inColTexels - 1);`);
  lines.push(`  vec4 sum = vec4(0.0);`);
  if (!natural) {
    lines.push(`  int xWidth = int(xSize.x);
  int wWidth = int(wSize.x);
  vec2 xStep = vec2(1.0, 0.0);
  vec2 wStep = vec2(outTexels % wWidth, outTexels / wWidth);`);
  }
  // A filter row's taps; with one filter row, no loop (its loop costs on SwiftShader).
  const rowHead =
    g.filterHeight === 1
      ? ['  {', '    int wR = 0;']
      : ['  for (int wR = 0; wR < filterSize.x; wR++) {'];
  const rowsOutside = g.padInfo.top > 0 || g.padInfo.bottom > 0;
  lines.push(`  // y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
${rowHead.join('\n')}
    int xR = xRCorner + wR * dilations.x;
    ${rowsOutside ? 'if (xR >= 0 && xR < inSize.x) {' : '{  // every row inside x'}
    int xRowTexel = (b * inSize.x + xR) * inColTexels;  // flat texel index of x[b, xR, 0, 0] / inTexels
    int wTap = wR * filterSize.y;  // tap (wR, 0)`);
  if (natural) {
    // x's run of a position's channels is one texture row, W's of a tap one texture column:
    // the runs never wrap, read at fixed offsets from their first texels, UNROLL steps an
    // iteration.
    for (const t of texels)
      lines.push(`    vec2 px${t} = vec2(0.5, float(xRowTexel + tc${t}) + 0.5);`);
    for (const wC of taps) {
      lines.push(
        `    vec2 pw${wC} = vec2(float(d2 / 2) + 0.5, float((wTap + ${wC}) * inTexels) + 0.5);`,
      );
    }
    lines.push(...loop());
  } else {
    // The runs from their first texels' centers, each step advanced with a wrap at a row's end.
    for (const t of texels)
      lines.push(`    vec2 px${t} = centerAt((xRowTexel + tc${t}) * inTexels, xWidth);`);
    for (const wC of taps) {
      lines.push(
        `    vec2 pw${wC} = centerAt((wTap + ${wC}) * inTexels * outTexels + d2 / 2, wWidth);`,
      );
    }
    lines.push(`    for (int k = 0; k < inTexels; k++) {  // input channels (2k, 2k+1)`);
    lines.push(step((p) => p, 0));
    for (const t of texels) lines.push(`      px${t} = advanceCenter(px${t}, xStep, xSize.x);`);
    for (const wC of taps) lines.push(`      pw${wC} = advanceCenter(pw${wC}, wStep, wSize.x);`);
    lines.push(`    }`);
  }
  lines.push(`    }
  }
  setOutput(finish(sum, o));
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

  /** With an epilogue, HandmadeFusedConv2D: its operands are more inputs (epilogue.ts). `walk`
   *  says where the texels lie (texelWalk). */
  constructor(g: ConvGeometry, walk: TexelWalk, epilogue?: Epilogue) {
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
      mainGlsl(g, walk, epilogue),
    ].join('\n');
  }
}
