// HandmadeConv2DBackpropFilter as one matrix product per group, on packed (RGBA) textures:
//
//     dW[wR, wC, d1, d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1]
//                          · dy[b, yR, yC, d2]
//
// is C[k, n] = Σ_p A[k, p] · B[n, p] over the output positions p = (b, yR, yC), with
// A = im2col(x)ᵀ, read from x laid out by filter column (columns_program.ts), and B = dyᵀ. One
// fragment computes a 2x2 block of C, rows (k, k+1) x channels (n, n+1): per pair of positions
// (yC, yC+1) it reads one texel of A and one of dy for 8 multiply-adds, sampled at texel centers
// advanced by an add (texel_addressing.ts), with no division or mask in the loop.
//
// dy is read in its own packed layout where that holds (p, p+1) x (n, n+1) per texel with no lane
// past a row's end (NHWC, even outW, and each group's channels starting at an even channel) and
// while it is small; otherwise DyPerGroupProgram first copies it into that layout per group, its
// output columns running along neighbouring texels.
//
// The sum runs over the batch in `splits` parts, one product per (group, part), so that a small dW
// still spreads over many fragments; FilterFromPartialsProgram adds the parts into dW.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {columnsConstants, ColumnsLayout, columnsLayout} from './columns_program';
import {packedLayoutGlsl} from './layout';
import {TEXEL_ADDRESSING_GLSL} from './texel_addressing';

/** How dW's product is laid out: the columns of x, and the split of the batch. */
export interface FilterGemmLayout extends ColumnsLayout {
  /** parts of the batch summed apart, each of batchPerSplit images (the last may have fewer) */
  splits: number;
  batchPerSplit: number;
  /** whether dy is read as it is (else through DyPerGroupProgram) */
  dyAsIs: boolean;
}

// dy is read as it is up to this size: its next column pair lies outC / 2 texels on, which costs
// more than a copy once dy outgrows the caches (measured on SwiftShader: the product on
// x[32,14,14,8] * [5,5,8,16] took 12.3 ms reading dy as it is and 12.2 + 0.9 ms with the copy;
// on x[8,56,56,64] * [3,3,64,64], 557 ms and 454 + 9 ms).
const DY_AS_IS_MAX_VALUES = 1 << 19;

// A split's product spreads over at least this many fragments where the batch allows: a GPU
// needs thousands of fragments in flight, and dW alone has few (c1's 5x5x1x8 is 60 texels). Not
// measured on a GPU here; on SwiftShader (2 cores) any value from 1024 to 65536 gives the same
// times within the noise (npm run bench -- --backends=webgl --only=c1,c2,c4 --kernels=
// HandmadeConv2DBackpropFilter: c1 7.4-8.0 ms, c2 21-24.6 ms, c4 392-431 ms over two runs).
const TARGET_FRAGMENTS = 4096;

export function filterGemmLayout(g: ConvGeometry): FilterGemmLayout {
  const columns = columnsLayout(g);
  const perSplit = g.groups * (columns.filterRows / 2) * Math.ceil(g.outChannelsPerGroup / 2);
  const wanted = Math.min(g.batchSize, Math.ceil(TARGET_FRAGMENTS / perSplit));
  const batchPerSplit = Math.ceil(g.batchSize / wanted);
  return {
    ...columns,
    splits: Math.ceil(g.batchSize / batchPerSplit),
    batchPerSplit,
    dyAsIs:
      g.dataFormat === 'NHWC' &&
      g.outWidth % 2 === 0 &&
      (g.groups === 1 || g.outChannelsPerGroup % 2 === 0) &&
      g.batchSize * g.outHeight * g.outWidth * g.outChannels <= DY_AS_IS_MAX_VALUES,
  };
}

function layoutConstants(g: ConvGeometry, l: FilterGemmLayout): string {
  return columnsConstants(g, l, {splits: l.splits, batchPerSplit: l.batchPerSplit});
}

const DY_PER_GROUP_COORDS_GLSL = `
  ivec3 o = getOutputCoords();  // [groups * B * outH, outCg, outW]; this texel: (n, n+1) x (yC, yC+1), stored as dy's own (yC, yC+1) x (n, n+1)
  int yR = o.x % outSize.x;
  int b = (o.x / outSize.x) % batchSize;
  int group = o.x / (outSize.x * batchSize);
  int n = o.y;
  int yC = o.z;`;

// Any layout: each lane read on its own.
const DY_PER_GROUP_MAIN = `
float dyLane(int group, int b, int yR, int yC, int n) {
  return yC < outSize.y && n < outCg ? readDy(b, yR, yC, group * outCg + n) : 0.0;
}

void main() {${DY_PER_GROUP_COORDS_GLSL}
  setOutput(vec4(dyLane(group, b, yR, yC, n), dyLane(group, b, yR, yC, n + 1),
                 dyLane(group, b, yR, yC + 1, n), dyLane(group, b, yR, yC + 1, n + 1)));
}`;

// NHWC with each group's channels from an even one: the texel is dy's own, its lanes past a row
// or a group zeroed.
const DY_PER_GROUP_TEXEL_MAIN = `
void main() {${DY_PER_GROUP_COORDS_GLSL}
  vec4 t = getDy(b, yR, yC, group * outCg + n);
  bvec4 inside = bvec4(true, n + 1 < outCg, yC + 1 < outSize.y, n + 1 < outCg && yC + 1 < outSize.y);
  setOutput(vec4(inside.x ? t.x : 0.0, inside.y ? t.y : 0.0, inside.z ? t.z : 0.0, inside.w ? t.w : 0.0));
}`;

/** dy per group in NHWC's packed layout, with zeros in every lane past a row or a group. */
export class DyPerGroupProgram implements GPGPUProgram {
  variableNames = ['dy'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry, l: FilterGemmLayout) {
    this.outputShape = [g.groups * g.batchSize * g.outHeight, g.outChannelsPerGroup, g.outWidth];
    const texel = g.dataFormat === 'NHWC' && (g.groups === 1 || g.outChannelsPerGroup % 2 === 0);
    this.userCode = [
      layoutConstants(g, l),
      texel
        ? DY_PER_GROUP_TEXEL_MAIN
        : [packedLayoutGlsl(g.dataFormat, ['dy']), DY_PER_GROUP_MAIN].join('\n'),
    ].join('\n');
  }
}

// ROWS_BY_CLASS: C's rows k run over (class, wR, lane), the lane fastest, then the filter row,
// so that the fragments SwiftShader runs together (a 2x2 quad of output texels: two row pairs kt,
// kt+1 by two channel pairs) read one class where a class has several lane pairs or filter rows,
// share its range of unmasked columns (qLo, qHi) and take the same branches of the column loop.
// Ordered (wR, class, lane), c1 (x[32,28,28,1] * [5,5,1,8], one lane pair per class) paired two
// classes in every quad, which ran both one's masked edge columns and the other's: its filter
// gradient took 10.7 and 12.7 ms against 8.9 and 10.1 ms (medians of two runs, the two orders
// alternating in one page); c2 (four lane pairs) was the same within the noise.
const GEMM_MAIN = `
// ceil(n / d) for d > 0 and any n
int ceilDiv(int n, int d) {
  return n > 0 ? (n + d - 1) / d : -((-n) / d);
}

void main() {
  ivec3 o = getOutputCoords();  // C is [groups * splits, filterRows, outCg]; this texel: (k, k+1) x (n, n+1)
  int group = o.x / splits;
  int b0 = (o.x - group * splits) * batchPerSplit;
  int kt = o.y / 2;  // (class, wR, lane pair): see ROWS_BY_CLASS
  int lanePair = kt % (lanes / 2);
  int wR = (kt / (lanes / 2)) % filterSize.x;
  int c = kt / (lanes / 2 * filterSize.x);
  int nt = o.z / 2;
  vec2 aSize = vec2(textureSize(A, 0));
  vec2 gSize = vec2(textureSize(dy, 0));
  vec2 aScale = 1.0 / aSize;
  vec2 gScale = 1.0 / gSize;
  int aWidth = int(aSize.x);
  int gWidth = int(gSize.x);
  // class c's texel (g, b, r, lanePair, q) in its base, and dy's texel (b, yR, q, nt), as flat
  // texel indices
  int aIndex = (((((group * bases + classBase[c]) * batchSize + b0) * rows + wR * dilations.x) *
                 (lanes / 2) + lanePair) * runTexels) + classShift[c];
  vec2 pa = centerAt(aIndex, aWidth);
  vec2 pg = centerAt(DY_BASE, gWidth);
  vec2 aColStep = vec2(1.0, 0.0);
  vec2 aRowJump = vec2(A_ROW_JUMP % aWidth, A_ROW_JUMP / aWidth);
  vec2 aBatchJump = vec2(A_BATCH_JUMP % aWidth, A_BATCH_JUMP / aWidth);
  vec2 gStep = vec2(DY_STEP % gWidth, DY_STEP / gWidth);
  vec2 gRowJump = vec2(DY_ROW_JUMP % gWidth, DY_ROW_JUMP / gWidth);
  // The output columns [lo, hi) at which lane k (and lane k+1) reads x rather than its padding
  // or a column past the output: elsewhere the product is selected away, never multiplied by the
  // columns' 0 (dy may be infinite). Columns (2q, 2q+1) lie inside both ranges for q in
  // [qLo, qHi); rows of the padding (the same filter row for both lanes) are skipped whole.
  int u0 = baseOffset[classBase[c]] + 2 * strides.y * classShift[c];
  int u1 = u0 + (TAP_LANES ? dilations.y : 0);
  ivec2 lo = max(ivec2(0), ivec2(ceilDiv(-u0, strides.y), ceilDiv(-u1, strides.y)));
  ivec2 hi = min(ivec2(outSize.y), ivec2(ceilDiv(inSize.y - u0, strides.y),
                                         ceilDiv(inSize.y - u1, strides.y)));
  int qLo = (max(lo.x, lo.y) + 1) / 2;
  int qHi = max(0, min(hi.x, hi.y)) / 2;
  vec2 aRowSkip = vec2(outColTexels % aWidth, outColTexels / aWidth);
  vec2 gRowSkip = vec2((outColTexels * DY_STEP) % gWidth, (outColTexels * DY_STEP) / gWidth);
  vec4 sum = vec4(0.0);
  // dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · dy[b,yR,yC,d2]
  for (int b = 0; b < batchPerSplit; b++) {
    if (b0 + b >= batchSize) break;
    for (int yR = 0; yR < outSize.x; yR++) {
      int xR = yR * strides.x - pads.x + wR * dilations.x;
      if (xR < 0 || xR >= inSize.x) {
        pa = advanceCenter(pa, aRowSkip, aSize.x);
        pg = advanceCenter(pg, gRowSkip, gSize.x);
      } else {
        // output columns (2q, 2q+1): those at the row's edges masked, those between in a loop of
        // their own, without the test
        for (int q = 0; q < outColTexels; q++) {
          if (q == qLo) {
            for (; q < qHi; q++) {
              vec4 a = texture(A, pa * aScale);    // (k,yC) (k,yC+1) (k+1,yC) (k+1,yC+1)
              vec4 t = texture(dy, pg * gScale);   // (yC,n) (yC,n+1) (yC+1,n) (yC+1,n+1)
              sum += a.xxzz * t.xyxy + a.yyww * t.zwzw;
              pa = advanceCenter(pa, aColStep, aSize.x);
              pg = advanceCenter(pg, gStep, gSize.x);
            }
            if (q == outColTexels) break;
          }
          vec4 a = texture(A, pa * aScale);
          vec4 t = texture(dy, pg * gScale);
          int yC = 2 * q;
          bvec4 m = bvec4(yC >= lo.x && yC < hi.x, yC + 1 >= lo.x && yC + 1 < hi.x,
                          yC >= lo.y && yC < hi.y, yC + 1 >= lo.y && yC + 1 < hi.y);
          sum += mix(vec4(0.0), a.xxzz * t.xyxy, m.xxzz) + mix(vec4(0.0), a.yyww * t.zwzw, m.yyww);
          pa = advanceCenter(pa, aColStep, aSize.x);
          pg = advanceCenter(pg, gStep, gSize.x);
        }
      }
      pa = advanceCenter(pa, aRowJump, aSize.x);
      pg = advanceCenter(pg, gRowJump, gSize.x);
    }
    pa = advanceCenter(pa, aBatchJump, aSize.x);
  }
  setOutput(sum);
}`;

/** The partial products C, one per (group, split of the batch). */
export class Conv2DBackpropFilterGemmProgram implements GPGPUProgram {
  variableNames = ['A', 'dy'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry, l: FilterGemmLayout) {
    this.outputShape = [g.groups * l.splits, l.filterRows, g.outChannelsPerGroup];
    // columns: a row r is lanes / 2 runs of runTexels texels, of which a class reads
    // outColTexels; the next output row is strides.x rows on, the next image `rows` rows on from
    // the first.
    const colTexels = Math.ceil(g.outWidth / 2);
    const rowTexels = (l.lanes / 2) * l.runTexels;
    const aRowJump = g.strideHeight * rowTexels - colTexels;
    const aBatchJump = (l.rows - g.outHeight * g.strideHeight) * rowTexels;
    // dy as it is, [B, outH, outW, outC]: the group's channels from texel group * outCg / 2, the
    // next column pair outC / 2 texels on, rows and images contiguous. The copy, [groups, B, outH,
    // outCg, outW]: a run of outColTexels per channel pair.
    const outTexels = Math.ceil(g.outChannels / 2);
    const groupTexels = Math.ceil(g.outChannelsPerGroup / 2);
    const positionTexels = g.outHeight * colTexels;
    const dy = l.dyAsIs
      ? {
          base: `b0 * ${positionTexels * outTexels} + group * ${groupTexels} + nt`,
          step: outTexels,
          rowJump: 0,
        }
      : {
          base: `((group * batchSize + b0) * outSize.x * ${groupTexels} + nt) * ${colTexels}`,
          step: 1,
          rowJump: (groupTexels - 1) * colTexels,
        };
    this.userCode = [
      layoutConstants(g, l),
      `#define TAP_LANES ${l.tapLanes}`,
      `#define A_ROW_JUMP ${aRowJump}`,
      `#define A_BATCH_JUMP ${aBatchJump}`,
      `#define DY_BASE (${dy.base})`,
      `#define DY_STEP ${dy.step}`,
      `#define DY_ROW_JUMP ${dy.rowJump}`,
      TEXEL_ADDRESSING_GLSL,
      GEMM_MAIN,
    ].join('\n');
  }
}

const FROM_PARTIALS_MAIN = `
void main() {
  ivec4 o = getOutputCoords();  // dW is [fh, fw, inCg, outC]
  int wR = o.x;
  int wC = o.y;
  int d1 = o.z;
  int c = TAP_LANES ? wC / 2 : wC;
  int k = (c * filterSize.x + wR) * lanes + (TAP_LANES ? wC % 2 : d1);  // ROWS_BY_CLASS
  int group = o.w / outCg;
  int n = o.w - group * outCg;
  float sum = 0.0;
  for (int s = 0; s < splits; s++) {
    vec4 block = getPartials(group * splits + s, k, n);  // (k & ~1, n & ~1) ... (k | 1, n | 1)
    vec2 row = (k & 1) == 0 ? block.xy : block.zw;
    sum += (n & 1) == 0 ? row.x : row.y;
  }
  setOutput(sum);
}`;

/** dW, the sum of the partial products. */
export class FilterFromPartialsProgram implements GPGPUProgram {
  variableNames = ['partials'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry, l: FilterGemmLayout) {
    this.outputShape = g.filterShape;
    this.userCode = [
      layoutConstants(g, l),
      `#define TAP_LANES ${l.tapLanes}`,
      FROM_PARTIALS_MAIN,
    ].join('\n');
  }
}
