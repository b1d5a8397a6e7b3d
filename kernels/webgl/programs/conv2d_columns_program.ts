// Conv2DColumnsProgram: HandmadeConv2D for NHWC at few input channels per group, as the matrix
// product y = im2col(x) · W with im2col(x) read from x laid out by filter column
// (columns_program.ts). One fragment computes a 2x2 block of y, output columns (yC, yC+1) x
// channels (d2, d2+1): per (column class, filter row, lane pair) it reads one texel of the
// columns and one of the filter for 8 multiply-adds, sampled at texel centers advanced by an add
// (texel_addressing.ts). Where the packed-input program (conv2d_packed_inputs_program.ts) would
// spend a lane per missing channel and read x once per tap, this reads what the columns laid out
// once.
//
// ColumnsFilterProgram lays W out in the same order, [outC, classes * fh * lanes]: row d2 holds,
// class after class and filter row after filter row, the lanes of that class (its input channels,
// or its pair of filter columns), 0 past the filter.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {columnsConstants, ColumnsLayout} from './columns_program';
import {Epilogue, epilogueGlsl, withEpilogue} from './epilogue';
import {TEXEL_ADDRESSING_GLSL} from './texel_addressing';

const FILTER_MAIN = `
// W at filter row wR, lane j of column class c, output channel d2; 0 past the filter
float weight(int c, int wR, int j, int d2) {
  int wC = TAP_LANES ? 2 * c + j : c;
  int d1 = TAP_LANES ? 0 : j;
  return wC < filterSize.y && d1 < inCg && d2 < outChannels ? getW(wR, wC, d1, d2) : 0.0;
}

void main() {
  ivec2 o = getOutputCoords();  // [outC, classes * fh * lanes]; this texel: (d2, d2+1) x (k, k+1)
  int d2 = o.x;
  int k = o.y;  // (c * fh + wR) * lanes + j, j even
  int j = k % lanes;
  int wR = (k / lanes) % filterSize.x;
  int c = k / (lanes * filterSize.x);
  setOutput(vec4(weight(c, wR, j, d2), weight(c, wR, j + 1, d2),
                 weight(c, wR, j, d2 + 1), weight(c, wR, j + 1, d2 + 1)));
}`;

/** W in the order Conv2DColumnsProgram reads it. */
export class ColumnsFilterProgram implements GPGPUProgram {
  variableNames = ['W'];
  outputShape: number[];
  userCode: string;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry, l: ColumnsLayout) {
    this.outputShape = [g.outChannels, l.filterRows];
    this.userCode = [
      columnsConstants(g, l, {outChannels: g.outChannels}),
      `#define TAP_LANES ${l.tapLanes}`,
      FILTER_MAIN,
    ].join('\n');
  }
}

// What both products read of a column class c, for output row yR and column pair q (yC = 2q).
const CLASS_GLSL = `
// The flat index of class c's texel (g, b, yR*s, lane pair 0, q) in its base.
int classFirst(int group, int b, int yR, int q, int c) {
  return ((((group * bases + classBase[c]) * batchSize + b) * rows + yR * strides.x) *
          (lanes / 2)) * runTexels + q + classShift[c];
}

// Whether lanes k and k+1 read columns yC and yC+1 inside x: a tap in the padding adds nothing
// (its products are selected away, not multiplied by the columns' 0, as W may be infinite). With
// channel lanes both lanes are filter column c; with tap lanes, 2c and 2c+1. With tap lanes and
// fw odd, the last class has no second tap: its lanes hold x, and 0 * x must not count.
bvec4 classColumnsIn(int q, int c) {
  bool second = !TAP_LANES || 2 * c + 1 < filterSize.y;
  int u = (TAP_LANES ? 2 * c : c) * dilations.y - pads.y + 2 * q * strides.y;
  int v = u + (TAP_LANES ? dilations.y : 0);
  return bvec4(u >= 0 && u < inSize.y, u + strides.y >= 0 && u + strides.y < inSize.y,
               second && v >= 0 && v < inSize.y,
               second && v + strides.y >= 0 && v + strides.y < inSize.y);
}`;

const MAIN = `
void main() {
  ivec4 o = getOutputCoords();  // y is [B, outH, outW, outC]; this texel: (yC, yC+1) x (d2, d2+1)
  int b = o.x;
  int yR = o.y;
  int q = o.z / 2;
  int d2 = o.w;
  int group = d2 / outCg;
  vec2 aSize = vec2(textureSize(A, 0));
  vec2 wSize = vec2(textureSize(W, 0));
  int laneTexels = lanes / 2;
  vec2 pw = centerAt((d2 / 2) * filterTexels, int(wSize.x));
  vec2 next = vec2(1.0, 0.0);
  vec2 laneStep = vec2(runTexels % int(aSize.x), runTexels / int(aSize.x));
  int jump = (dilations.x - 1) * laneTexels * runTexels;  // to the next filter row's lanes
  vec2 rowJump = vec2(jump % int(aSize.x), jump / int(aSize.x));
  vec4 sum = vec4(0.0);
  // y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
  for (int c = 0; c < classes; c++) {
    vec2 pa = centerAt(classFirst(group, b, yR, q, c), int(aSize.x));
    bvec4 columnIn = classColumnsIn(q, c);
    bool allIn = all(columnIn);
    for (int wR = 0; wR < filterSize.x; wR++) {
      int xR = yR * strides.x - pads.x + wR * dilations.x;
      bool rowIn = xR >= 0 && xR < inSize.x;
      for (int lt = 0; lt < laneTexels; lt++) {
        vec4 a = texture(A, pa / aSize);  // (k,yC) (k,yC+1) (k+1,yC) (k+1,yC+1)
        vec4 w = texture(W, pw / wSize);  // (d2,k) (d2,k+1) (d2+1,k) (d2+1,k+1)
        if (rowIn && allIn) {
          sum += a.xxyy * w.xzxz + a.zzww * w.ywyw;
        } else if (rowIn) {
          sum += mix(vec4(0.0), a.xxyy * w.xzxz, columnIn.xxyy) +
                 mix(vec4(0.0), a.zzww * w.ywyw, columnIn.zzww);
        }
        pa = advanceCenter(pa, laneStep, aSize.x);
        pw = advanceCenter(pw, next, wSize.x);
      }
      pa = advanceCenter(pa, rowJump, aSize.x);
    }
  }
  setOutput(finish(sum, o));
}`;

// The product where the columns and the laid-out filter lie in their natural textures: a texture
// row of the columns per lane pair (runTexels wide) and one row of W per pair of output channels
// (filterTexels wide). A lane pair's texel for this fragment is then one row below the last, and
// W's next texel one column on: the lane loop is unrolled, reading at fixed offsets, with no
// wrap. (Measured on SwiftShader over x[1,224,224,3] * [3,3,3,32] at stride 2: 39.5 ms a call
// on the general loop.)
function naturalMainGlsl(l: ColumnsLayout): string {
  const laneTexels = l.lanes / 2;
  const lines: string[] = [];
  for (let j = 0; j < laneTexels; j++) {
    const a = j === 0 ? 'pa' : `(pa + vec2(0.0, ${j}.0))`;
    const w = j === 0 ? 'pw' : `(pw + vec2(${j}.0, 0.0))`;
    lines.push(`          {  // lane pair ${j}
            vec4 a = texture(A, ${a} * aScale);  // (k,yC) (k,yC+1) (k+1,yC) (k+1,yC+1)
            vec4 w = texture(W, ${w} * wScale);  // (d2,k) (d2,k+1) (d2+1,k) (d2+1,k+1)
            sum += allIn ? a.xxyy * w.xzxz + a.zzww * w.ywyw
                         : mix(vec4(0.0), a.xxyy * w.xzxz, columnIn.xxyy) +
                           mix(vec4(0.0), a.zzww * w.ywyw, columnIn.zzww);
          }`);
  }
  return `
void main() {
  ivec4 o = getOutputCoords();  // y is [B, outH, outW, outC]; this texel: (yC, yC+1) x (d2, d2+1)
  int b = o.x;
  int yR = o.y;
  int q = o.z / 2;
  int d2 = o.w;
  int group = d2 / outCg;
  vec2 aScale = 1.0 / vec2(textureSize(A, 0));
  vec2 wScale = 1.0 / vec2(textureSize(W, 0));
  vec2 pw = vec2(0.5, float(d2 / 2) + 0.5);
  const int laneTexels = lanes / 2;
  const float rowJump = float((dilations.x - 1) * laneTexels);  // rows to the next filter row's
  vec4 sum = vec4(0.0);
  // y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
  for (int c = 0; c < classes; c++) {
    vec2 pa = centerAt(classFirst(group, b, yR, q, c), runTexels);
    bvec4 columnIn = classColumnsIn(q, c);
    bool allIn = all(columnIn);
    for (int wR = 0; wR < filterSize.x; wR++) {
      int xR = yR * strides.x - pads.x + wR * dilations.x;
      if (xR >= 0 && xR < inSize.x) {
${lines.join('\n')}
      }
      pa.y += float(laneTexels) + rowJump;
      pw.x += float(laneTexels);
    }
  }
  setOutput(finish(sum, o));
}`;
}

export class Conv2DColumnsProgram implements GPGPUProgram {
  variableNames: string[] = [];
  customUniforms?: GPGPUProgram['customUniforms'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  /** With an epilogue, HandmadeFusedConv2D: its operands are more inputs (epilogue.ts).
   *  `natural`: the columns and the laid-out filter lie in textures runTexels and filterTexels
   *  wide (naturalMainGlsl). */
  constructor(g: ConvGeometry, l: ColumnsLayout, natural: boolean, epilogue?: Epilogue) {
    withEpilogue(this, ['A', 'W'], epilogue);
    this.outputShape = g.outShape;
    this.userCode = [
      columnsConstants(g, l, {filterTexels: l.filterRows / 2}),
      `#define TAP_LANES ${l.tapLanes}`,
      TEXEL_ADDRESSING_GLSL,
      CLASS_GLSL,
      epilogueGlsl(epilogue),
      natural ? naturalMainGlsl(l) : MAIN,
    ].join('\n');
  }
}
