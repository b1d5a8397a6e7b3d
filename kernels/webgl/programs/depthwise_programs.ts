// The depthwise convolution on packed (RGBA) textures: NHWC, one input channel per group
// (inChannelsPerGroup 1), M = outChannelsPerGroup outputs per group. Output channel d2 = d1*M + q
// reads input channel d1 = d2 / M alone, and the filter [fh, fw, 1, C*M] holds its weights per
// tap in one row of texels, W[tap, d2] in lane (d2 & 1) of texel d2 / 2:
//
//     y[b,yR,yC,d2]   = Σ_{wR,wC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d2 / M]
//                                 · W[wR,wC,0,d2]
//     dx[b,xR,xC,d1]  = Σ_{wR,wC,q} dy[b,yR,yC,d1*M+q] · W[wR,wC,0,d1*M+q]
//                       over yR = (xR + padTop - wR*dl) / s integral in [0, outH) (columns alike)
//     dW[wR,wC,0,d2]  = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d2 / M]
//                                   · dy[b,yR,yC,d2]
//
// tfjs packs the last two axes in 2x2 blocks, so a texel of x, dy, y or dx holds columns
// (c, c+1) x channels (d, d+1), c and d even: the channels lie in the texel's lanes, and with
// M = 1 a texel of x meets the texel of W at the same channels lane by lane. Every program has
// one fragment per output texel, unrolls the filter's taps in the generated code and reads each
// input texel that a filter row touches once:
// - DepthwiseProgram, y: columns (yC, yC+1) read x from column yC*s - padLeft on, whose parity
//   is padLeft's (yC is even), so which texel and which half of it each tap reads is fixed when
//   the shader is written (as in conv2d_packed_inputs_program.ts); 3x3 at stride 1 reads 3 rows
//   of 2 or 3 texels of x and 9 texels of W for 36 multiply-adds. The fused epilogue applies as
//   it writes (epilogue.ts).
// - DepthwiseInputGradientProgram, dx: a gather. Each filter row is visited where its dy row is
//   integral and inside dy; at column stride 1 each tap's dy column is xC + a constant (fixed
//   texel and half, as for y), at stride 2 xC / 2 + a constant (fixed texel pair, half by xC's
//   parity), and beyond that solved per tap.
// - DepthwiseFilterPartsProgram, dW: the sum over positions in parts of the rows of dy, one
//   fragment per part, filter row, pair of taps (wC, wC+1) and pair of channels; per texel of dy
//   (two positions) it reads the 2 or 3 texels of x that the two taps touch, for 8
//   multiply-adds. Only the rows of dy whose x row is inside x are visited, and the columns
//   whose taps may leave x are tested apart from the inner run, which is not.
//   DepthwiseFilterSumProgram then adds the parts into dW.
//
// A tap outside x (or past dy's edge) adds nothing: its products are selected away, not
// multiplied by 0, as the other operand may be infinite, and the lanes past a texture's edges
// (odd widths or channel counts) may hold anything (test/cases/webgl_paths.ts, dirty padding).
//
// The texels are read by position (texel_addressing.ts): where a packed texture is as wide as one
// run of its tensor's channel texels ('natural', tfjs's own layout for these shapes), texture row
// p holds position p = (b, row, column pair) and texture column t channels (2t, 2t+1); otherwise
// each read finds its texel from the flat index (centerAt).

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {Epilogue, epilogueGlsl, withEpilogue} from './epilogue';
import {TEXEL_ADDRESSING_GLSL} from './texel_addressing';
import {windowConstantsGlsl} from './uniforms';

/** A packed NHWC input as a program reads it: its sampler's name, its texels across channels,
 *  and whether its texture is that wide ('natural'). */
export interface TexelSource {
  name: string;
  channelTexels: number;
  natural: boolean;
}

/** The source `name` of a tensor with `channels` channels in a texture `width` texels wide. */
export function texelSource(name: string, channels: number, width: number): TexelSource {
  const channelTexels = Math.ceil(channels / 2);
  return {name, channelTexels, natural: width === channelTexels};
}

/** GLSL declarations, in main(), that readTexel needs for `s`. */
function sourcePrelude(s: TexelSource): string {
  const n = s.name;
  const lines = [`  vec2 ${n}Scale = 1.0 / vec2(textureSize(${n}, 0));`];
  if (!s.natural) lines.push(`  int ${n}Width = textureSize(${n}, 0).x;`);
  return lines.join('\n');
}

/** GLSL: the texel of `s` at position `pos` (the flat index of (b, row, column pair), an int
 *  expression) and channel texel `ch` (an int expression). */
function readTexel(s: TexelSource, pos: string, ch: string): string {
  const n = s.name;
  return s.natural
    ? `texture(${n}, (vec2(${ch}, ${pos}) + 0.5) * ${n}Scale)`
    : `texture(${n}, centerAt((${pos}) * ${s.channelTexels} + ${ch}, ${n}Width) * ${n}Scale)`;
}

/** A half of a texel variable: its first column's two channels (xy) or its second's (zw). */
const half = (texel: string, second: boolean) => `${texel}.${second ? 'zw' : 'xy'}`;

// With M > 1, output channels (d2, d2+1) read input channels d1 = (d2, d2+1) / M, which may lie
// in two texels (odd M) and in either lane: the texels of d1.x and d1.y are read apart (a and b)
// and their lanes picked per fragment.
const PICK_LANES_GLSL = `
// input channels (d1.x, d1.y) of a column: its half of the texels holding them
vec2 pickLanes(vec2 a, vec2 b, bvec2 oddLane) {
  return vec2(oddLane.x ? a.y : a.x, oddLane.y ? b.y : b.x);
}`;

/** GLSL, in main() where the output texel's first channel is `d2`: the input channels' texels
 *  (xCh, or xChA and xChB with lane flags oddLane where M > 1). */
function inputChannelsGlsl(M: number): string {
  if (M === 1) return "  int xCh = d2 / 2;  // x's channels (d2, d2+1)";
  return `  ivec2 d1 = ivec2(d2, d2 + 1) / ${M};  // x's channels
  int xChA = d1.x / 2;
  int xChB = d1.y / 2;
  bvec2 oddLane = equal(d1 & 1, ivec2(1));`;
}

/** GLSL: the reads of x's texel `t` at `pos` into x{t} (M = 1) or x{t}a and x{t}b (M > 1). */
function inputTexelReads(x: TexelSource, M: number, t: number, pos: string, indent: string) {
  if (M === 1) return [`${indent}vec4 x${t} = ${readTexel(x, pos, 'xCh')};`];
  // with an even M both channels are the same one
  const b = M % 2 === 0 ? `x${t}a` : readTexel(x, pos, 'xChB');
  return [`${indent}vec4 x${t}a = ${readTexel(x, pos, 'xChA')};`, `${indent}vec4 x${t}b = ${b};`];
}

/** GLSL: the value pair (channels d2, d2+1) of x's column at offset u from the even column that
 *  texel x0 starts at. */
function inputColumn(M: number, u: number): string {
  const t = u >> 1;
  const second = (u & 1) === 1;
  if (M === 1) return half(`x${t}`, second);
  return `pickLanes(${half(`x${t}a`, second)}, ${half(`x${t}b`, second)}, oddLane)`;
}

/** The filter's tap row in W's texture for tap (wR, wC). */
const tapRow = (g: ConvGeometry, wR: number, wC: number) => wR * g.filterWidth + wC;

/** Whether every row (rows) or column (!rows) that some output reads lies inside the input. */
function axisInside(g: ConvGeometry, rows: boolean): boolean {
  const [pad, out, s, effective, size] = rows
    ? [g.padInfo.top, g.outHeight, g.strideHeight, g.effectiveFilterHeight, g.inHeight]
    : [g.padInfo.left, g.outWidth, g.strideWidth, g.effectiveFilterWidth, g.inWidth];
  return pad <= 0 && (out - 1) * s - pad + effective <= size;
}

function forwardMain(g: ConvGeometry, x: TexelSource, w: TexelSource): string {
  const M = g.outChannelsPerGroup;
  const e = g.padInfo.left & 1; // parity of every fragment's first column
  // Column offset, from the even column at or below the first, of tap wC for output column j.
  const offset = (wC: number, j: number) => e + wC * g.dilationWidth + j * g.strideWidth;
  const taps = Array.from({length: g.filterWidth}, (_, wC) => wC);
  const offsets = [...new Set(taps.flatMap((wC) => [offset(wC, 0), offset(wC, 1)]))];
  const texels = [...new Set(offsets.map((u) => u >> 1))].sort((a, b) => a - b);
  const columnsInside = axisInside(g, false);
  const rowsInside = axisInside(g, true);

  const lines: string[] = [];
  lines.push(`
void main() {
  ivec4 o = getOutputCoords();  // y is [B, outH, outW, C*M]; this texel: (yC, yC+1) x (d2, d2+1)
  int b = o.x;
  int yR = o.y;
  int yC = o.z;
  int d2 = o.w;
${sourcePrelude(x)}
${sourcePrelude(w)}
${inputChannelsGlsl(M)}
  int wCh = d2 / 2;  // W's channels (d2, d2+1)
  int xRCorner = yR * strides.x - pads.x;
  int evenCol = yC * strides.y - pads.y - ${e};  // even; column offsets count from here
  int texelCol = evenCol / 2;`);
  if (!columnsInside) {
    for (const u of offsets)
      lines.push(`  bool in${u} = evenCol + ${u} >= 0 && evenCol + ${u} < inSize.y;`);
  }
  lines.push(`  vec4 sum = vec4(0.0);
  // y[b,yR,yC,d2] = Σ_{wR,wC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d2 / M]
  //                           · W[wR,wC,0,d2]`);
  for (let wR = 0; wR < g.filterHeight; wR++) {
    lines.push(`  {  // filter row ${wR}
    int xR = xRCorner + ${wR * g.dilationHeight};
    ${rowsInside ? '{  // every row inside x' : 'if (xR >= 0 && xR < inSize.x) {'}
      int pos = (b * inSize.x + xR) * inColTexels + texelCol;  // x's (b, xR, evenCol / 2)`);
    for (const t of texels) lines.push(...inputTexelReads(x, M, t, `pos + ${t}`, '      '));
    for (const wC of taps) {
      const [u0, u1] = [offset(wC, 0), offset(wC, 1)];
      const product = `vec4(${inputColumn(M, u0)}, ${inputColumn(M, u1)}) * w.xyxy`;
      lines.push(`      {  // tap (${wR}, ${wC}): x's columns (yC, yC+1) x channels, W's channels
        vec4 w = ${readTexel(w, String(tapRow(g, wR, wC)), 'wCh')};
        sum += ${
          columnsInside
            ? product
            : `mix(vec4(0.0), ${product}, bvec4(in${u0}, in${u0}, in${u1}, in${u1}))`
        };
      }`);
    }
    lines.push(`    }
  }`);
  }
  lines.push(`  setOutput(finish(sum, o));
}`);
  return lines.join('\n');
}

/** y = depthwise conv2d(x, W) (with an epilogue, act(y + bias)): x and W packed, read from
 *  textures `widths` texels wide. */
export class DepthwiseProgram implements GPGPUProgram {
  variableNames: string[] = [];
  customUniforms?: GPGPUProgram['customUniforms'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry, widths: {x: number; W: number}, epilogue?: Epilogue) {
    withEpilogue(this, ['x', 'W'], epilogue);
    this.outputShape = g.outShape;
    const x = texelSource('x', g.inChannels, widths.x);
    const w = texelSource('W', g.outChannels, widths.W);
    this.userCode = [
      windowConstantsGlsl(g, {inColTexels: Math.ceil(g.inWidth / 2)}),
      TEXEL_ADDRESSING_GLSL,
      PICK_LANES_GLSL,
      epilogueGlsl(epilogue),
      forwardMain(g, x, w),
    ].join('\n');
  }
}

// ---- dx ----

/** Where one (output column j, tap wC) pair of the gather reads dy: the texel (a key shared by
 *  the pairs that read the same one, and the GLSL of its column among dy's texels, relative to
 *  the row's first), the half (static, or by a per-fragment flag) and the flag that says the
 *  column exists. */
interface GatherColumn {
  j: number;
  wC: number;
  texel: string;
  texelCol: string;
  second: boolean | string;
  valid: string;
}

/** The gather's columns of dy, with the per-fragment GLSL that they need (before the rows). */
function gatherColumns(g: ConvGeometry): {columns: GatherColumn[]; setup: string[]} {
  const s = g.strideWidth;
  const columns: GatherColumn[] = [];
  const setup: string[] = [];
  const declared = new Set<string>();
  const declare = (name: string, line: string) => {
    if (!declared.has(name)) setup.push(line);
    declared.add(name);
  };
  for (let j = 0; j < 2; j++) {
    for (let wC = 0; wC < g.filterWidth; wC++) {
      // yC * s = xC + c, xC even
      const c = j + g.padInfo.left - wC * g.dilationWidth;
      if (s === 1) {
        // yC = xC + c: texel xC / 2 + floor(c / 2), half c & 1
        const name = `in${c < 0 ? `m${-c}` : c}`;
        declare(name, `  bool ${name} = xC + ${c} >= 0 && xC + ${c} < outSize.y;`);
        const t = c >> 1;
        const key = `t${t < 0 ? `m${-t}` : t}`;
        columns.push({
          j,
          wC,
          texel: key,
          texelCol: `xC / 2 + ${t}`,
          second: (c & 1) === 1,
          valid: name,
        });
      } else if (s === 2) {
        // yC = xC / 2 + c / 2, for even c only
        if ((c & 1) !== 0) continue;
        const n = c / 2;
        const id = n < 0 ? `m${-n}` : `${n}`;
        declare(
          `yC${id}`,
          `  int yC${id} = xC / 2 + ${n};\n` +
            `  bool in${id} = yC${id} >= 0 && yC${id} < outSize.y;\n` +
            `  bool odd${id} = (yC${id} & 1) == 1;`,
        );
        columns.push({
          j,
          wC,
          texel: `t${id}`,
          texelCol: `(yC${id} >> 1)`,
          second: `odd${id}`,
          valid: `in${id}`,
        });
      } else {
        const id = `${j}_${wC}`;
        declare(
          `yC${id}`,
          `  int yC${id}Scaled = xC + ${c};\n` +
            `  bool in${id} = yC${id}Scaled >= 0 && yC${id}Scaled % ${s} == 0 && ` +
            `yC${id}Scaled < ${s * g.outWidth};\n` +
            `  int yC${id} = yC${id}Scaled / ${s};\n` +
            `  bool odd${id} = (yC${id} & 1) == 1;`,
        );
        columns.push({
          j,
          wC,
          texel: `t${id}`,
          texelCol: `(yC${id} >> 1)`,
          second: `odd${id}`,
          valid: `in${id}`,
        });
      }
    }
  }
  return {columns, setup};
}

/** GLSL: dy's column pair (channels of the texel read into `texel`) at its half. */
function gatherHalf(texel: string, second: boolean | string): string {
  if (typeof second === 'boolean') return half(texel, second);
  return `(${second} ? ${texel}.zw : ${texel}.xy)`;
}

/** GLSL: the vec2 that one column's dy texels k (`texelOf(k)`) and W's (w{k}) add to dx's
 *  channels (d1, d1+1): dy channel d1*M + 2k + l belongs to dx channel d1 + (2k + l) / M. */
function routedProducts(M: number, halfOf: (k: number) => string): string {
  const terms: string[] = [];
  for (let k = 0; k < M; k++) {
    const [i0, i1] = [Math.floor((2 * k) / M), Math.floor((2 * k + 1) / M)];
    const h = halfOf(k);
    const w = M === 1 ? 'w.xy' : `w${k}.xy`;
    if (i0 !== i1) terms.push(`${h} * ${w}`);
    else terms.push(i0 === 0 ? `vec2(dot(${h}, ${w}), 0.0)` : `vec2(0.0, dot(${h}, ${w}))`);
  }
  return terms.join(' + ');
}

function inputGradientMain(g: ConvGeometry, dy: TexelSource, w: TexelSource): string {
  const M = g.outChannelsPerGroup;
  const {columns, setup} = gatherColumns(g);
  const texels = [...new Map(columns.map((c) => [c.texel, c.texelCol])).entries()];
  const sH = g.strideHeight;
  const lines: string[] = [];
  lines.push(`
void main() {
  ivec4 o = getOutputCoords();  // dx is [B, inH, inW, C]; this texel: (xC, xC+1) x (d1, d1+1)
  int b = o.x;
  int xR = o.y;
  int xC = o.z;
  int d1 = o.w;
${sourcePrelude(dy)}
${sourcePrelude(w)}
  int ch = d1 * ${M} / 2;  // dy's and W's first channel texel: channels d1*M on
${setup.join('\n')}
  vec4 sum = vec4(0.0);
  // dx[b,xR,xC,d1] = Σ_{wR,wC,q} dy[b,yR,yC,d1*M+q] · W[wR,wC,0,d1*M+q]
  //   over yR = (xR + padTop - wR*dl) / s integral in [0, outH) (columns alike)`);
  for (let wR = 0; wR < g.filterHeight; wR++) {
    const scaled = `xR + ${g.padInfo.top - wR * g.dilationHeight}`;
    lines.push(`  {  // filter row ${wR}`);
    if (sH === 1) {
      lines.push(`    int yR = ${scaled};
    if (yR >= 0 && yR < outSize.x) {`);
    } else {
      lines.push(`    int yRScaled = ${scaled};
    if (yRScaled >= 0 && yRScaled % ${sH} == 0 && yRScaled < ${sH * g.outHeight}) {
      int yR = yRScaled / ${sH};`);
    }
    lines.push(`      int pos = (b * outSize.x + yR) * outColTexels;  // dy's (b, yR, 0)`);
    for (const [key, col] of texels) {
      for (let k = 0; k < M; k++) {
        const ch = k === 0 ? 'ch' : `ch + ${k}`;
        lines.push(
          `      vec4 ${key}${M > 1 ? `_${k}` : ''} = ${readTexel(dy, `pos + ${col}`, ch)};`,
        );
      }
    }
    for (let wC = 0; wC < g.filterWidth; wC++) {
      const here = columns.filter((c) => c.wC === wC);
      if (here.length === 0) continue;
      lines.push(`      {  // tap (${wR}, ${wC})`);
      for (let k = 0; k < M; k++) {
        const ch = k === 0 ? 'ch' : `ch + ${k}`;
        const name = M === 1 ? 'w' : `w${k}`;
        lines.push(`        vec4 ${name} = ${readTexel(w, String(tapRow(g, wR, wC)), ch)};`);
      }
      for (const c of here) {
        const texelOf = (k: number) => gatherHalf(M === 1 ? c.texel : `${c.texel}_${k}`, c.second);
        const lanes = c.j === 0 ? 'xy' : 'zw';
        lines.push(
          `        sum.${lanes} += ${c.valid} ? ${routedProducts(M, texelOf)} : vec2(0.0);`,
        );
      }
      lines.push(`      }`);
    }
    lines.push(`    }
  }`);
  }
  lines.push(`  setOutput(sum);
}`);
  return lines.join('\n');
}

/** dx of the depthwise convolution, a gather of dy and W (packed, in textures `widths` texels
 *  wide). */
export class DepthwiseInputGradientProgram implements GPGPUProgram {
  variableNames = ['dy', 'W'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry, widths: {dy: number; W: number}) {
    this.outputShape = g.inShape;
    const dy = texelSource('dy', g.outChannels, widths.dy);
    const w = texelSource('W', g.outChannels, widths.W);
    this.userCode = [
      windowConstantsGlsl(g, {outColTexels: Math.ceil(g.outWidth / 2)}),
      TEXEL_ADDRESSING_GLSL,
      inputGradientMain(g, dy, w),
    ].join('\n');
  }
}

// ---- dW ----

/** How dW's sum over the rows (b, yR) of dy is split: `parts` parts of `rowsPerPart` rows. */
export interface FilterParts {
  parts: number;
  rowsPerPart: number;
}

// A part sums about this many positions: enough fragments for a GPU (a 3x3 filter over 144
// channels has 432 texels of dW) without many partial sums to add.
const POSITIONS_PER_PART = 2048;

export function filterParts(g: ConvGeometry): FilterParts {
  const rows = g.batchSize * g.outHeight;
  const rowsPerPart = Math.min(rows, Math.max(1, Math.ceil(POSITIONS_PER_PART / g.outWidth)));
  return {parts: Math.ceil(rows / rowsPerPart), rowsPerPart};
}

function filterPartsMain(g: ConvGeometry, p: FilterParts, x: TexelSource, dy: TexelSource) {
  const M = g.outChannelsPerGroup;
  const [s, dl] = [g.strideWidth, g.dilationWidth];
  const e = g.padInfo.left & 1;
  // x's column offset, from the even column at or below tap wC's column for position 2k, of
  // tap wC + c for position 2k + j
  const offset = (c: number, j: number) => e + c * dl + j * s;
  const offsets = [0, 1].flatMap((c) => [offset(c, 0), offset(c, 1)]);
  const texels = [...new Set(offsets.map((u) => u >> 1))].sort((a, b) => a - b);
  // Per pair of taps (wC, wC+1): the texels k of dy from kLo to kHi read only columns inside x
  // (tap wC + 1 past the filter is a lane never read) and no column past dy's.
  const pairs = Math.ceil(g.filterWidth / 2);
  const outColTexels = Math.ceil(g.outWidth / 2);
  const kLo: number[] = [];
  const kHi: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const first = 2 * pair * dl - g.padInfo.left; // tap wC's column at yC = 0
    const last = first + (2 * pair + 1 < g.filterWidth ? dl : 0) + s; // at yC = 1, last tap
    const lo = Math.max(0, Math.ceil(-first / (2 * s)));
    const hi = Math.min(
      Math.floor((g.outWidth - 2) / 2),
      Math.floor((g.inWidth - 1 - last) / (2 * s)),
    );
    kLo.push(Math.min(lo, outColTexels));
    kHi.push(Math.min(outColTexels, Math.max(lo, hi + 1)));
  }
  const constArray = (name: string, v: number[]) =>
    `const int ${name}[${v.length}] = int[${v.length}](${v.join(', ')});`;

  const body = (checked: boolean): string => {
    const lines = [
      `      vec4 g = ${readTexel(dy, 'dyPos + k', 'dyCh')};  // (2k, 2k+1) x (d2, d2+1)`,
    ];
    for (const t of texels)
      lines.push(...inputTexelReads(x, M, t, `xPos + k * ${s} + ${t}`, '      '));
    if (checked) {
      lines.push(`      int col = evenCol + k * ${2 * s};`);
      for (const c of [0, 1]) {
        for (const j of [0, 1]) {
          const u = offset(c, j);
          lines.push(
            `      bool ok${c}${j} = col + ${u} >= 0 && col + ${u} < inSize.y && ` +
              `2 * k + ${j} < outSize.y;`,
          );
        }
      }
    }
    for (const c of [0, 1]) {
      const terms = [0, 1].map((j) => {
        const product = `${inputColumn(M, offset(c, j))} * g.${j === 0 ? 'xy' : 'zw'}`;
        return checked ? `(ok${c}${j} ? ${product} : vec2(0.0))` : product;
      });
      lines.push(`      sum.${c === 0 ? 'xy' : 'zw'} += ${terms.join(' + ')};  // tap wC + ${c}`);
    }
    return lines.join('\n');
  };

  return `
${constArray('kLoOf', kLo)}
${constArray('kHiOf', kHi)}

void main() {
  ivec4 o = getOutputCoords();  // [parts, fh, fw, C*M]; this texel: taps (wC, wC+1) x (d2, d2+1)
  int part = o.x;
  int wR = o.y;
  int wC = o.z;
  int d2 = o.w;
${sourcePrelude(x)}
${sourcePrelude(dy)}
${inputChannelsGlsl(M)}
  int dyCh = d2 / 2;
  int evenCol = wC * dilations.y - pads.y - ${e};  // even; x's column offsets count from here
  int kLo = kLoOf[wC / 2];
  int kHi = kHiOf[wC / 2];
  vec4 sum = vec4(0.0);
  int rowEnd = min((part + 1) * ${p.rowsPerPart}, ${g.batchSize * g.outHeight});
  // dW[wR,wC,0,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d2 / M]
  //                               · dy[b,yR,yC,d2]
  for (int r = part * ${p.rowsPerPart}; r < rowEnd; r++) {  // r = b * outH + yR
    int b = r / outSize.x;
    int xR = (r - b * outSize.x) * strides.x - pads.x + wR * dilations.x;
    if (xR < 0 || xR >= inSize.x) continue;
    int dyPos = r * ${outColTexels};  // dy's (b, yR, 0)
    int xPos = (b * inSize.x + xR) * inColTexels + evenCol / 2;  // x's (b, xR, evenCol / 2)
    for (int k = 0; k < kLo; k++) {  // columns (2k, 2k+1) of dy, some taps left of x
${body(true)}
    }
    for (int k = kLo; k < kHi; k++) {  // every tap inside x
${body(false)}
    }
    for (int k = kHi; k < ${outColTexels}; k++) {  // some taps right of x, or past dy
${body(true)}
    }
  }
  setOutput(sum);
}`;
}

/** The parts of dW: [parts, fh, fw, C*M], each the sum over its rows of dy. */
export class DepthwiseFilterPartsProgram implements GPGPUProgram {
  variableNames = ['x', 'dy'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry, p: FilterParts, widths: {x: number; dy: number}) {
    this.outputShape = [p.parts, g.filterHeight, g.filterWidth, g.outChannels];
    const x = texelSource('x', g.inChannels, widths.x);
    const dy = texelSource('dy', g.outChannels, widths.dy);
    this.userCode = [
      windowConstantsGlsl(g, {inColTexels: Math.ceil(g.inWidth / 2)}),
      TEXEL_ADDRESSING_GLSL,
      PICK_LANES_GLSL,
      filterPartsMain(g, p, x, dy),
    ].join('\n');
  }
}

/** dW [fh, fw, 1, C*M]: the parts added. */
export class DepthwiseFilterSumProgram implements GPGPUProgram {
  variableNames = ['parts'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry, p: FilterParts) {
    this.outputShape = g.filterShape;
    this.userCode = `
void main() {
  ivec4 o = getOutputCoords();  // dW is [fh, fw, 1, C*M]; this texel: tap (wR, wC), (d2, d2+1)
  vec2 sum = vec2(0.0);
  for (int part = 0; part < ${p.parts}; part++) {
    vec4 t = getParts(part, o.x, o.y, o.w);  // taps (wC & ~1, wC | 1) x (d2, d2+1)
    sum += (o.y & 1) == 0 ? t.xy : t.zw;
  }
  setOutput(vec4(sum, 0.0, 0.0));
}`;
  }
}
