// ColumnsProgram: x laid out by filter column, for the kernels that read im2col(x) as one
// operand of a matrix product on packed textures (the forward pass at few input channels, the
// filter gradient).
//
// im2col(x) has a row per output position p = (b, yR, yC) and a column per filter tap and input
// channel; laid out whole it is fh*fw times the size of x. Here a row of output positions reads,
// per column class, x shifted and strided along the columns once, so that a pair of output
// columns (yC, yC+1) reads one texel, while a filter row wR stays a row offset, wR*dl, into it.
// With inCg >= 2 the class is the filter column wC and the lanes are its input channels d1 (a pair
// per texel, inCg rounded up to even); with inCg = 1 a class is a pair of filter columns
// (wC, wC+1), and the lanes are those two taps, so that no lane is spent on a missing channel.
//
// Class c's texel q holds x at columns 2q*s + u(c) (and + s), u(c) = wC*dl - padLeft for its first
// filter column wC: two classes whose u differ by a multiple of 2s are the same run of texels
// shifted by whole texels. So they share one laid-out `base`, [groups * bases * B * rows, lanes,
// 2 * runTexels], each class reading its base from its own shift: at unit stride at most two
// bases (u even or odd), one with tap lanes; a run is ceil(outW / 2) texels plus the largest
// shift. Row r is input row r - padTop; `rows` spans every input row a filter row reads.
//
// A texel holds lanes (j, j+1) x output columns (yC, yC+1) as (j,yC) (j,yC+1) (j+1,yC) (j+1,yC+1),
// at flat texel index
//     ((((group * bases + base) * B + b) * rows + r) * lanes/2 + j/2) * runTexels + q:
// a run of output columns is a run of neighbouring texels. Lanes past the channels or outside x
// hold 0; the lanes of a missing second tap (fw odd) and of columns past the output's hold x, so
// a reader leaves them out where they would count.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {ColumnsReader, columnsReader} from '../dispatch';
import {packedLayoutGlsl} from './layout';
import {windowConstantsGlsl} from './uniforms';

export interface ColumnsLayout {
  /** inCg == 1: a column class is a pair of filter columns. */
  tapLanes: boolean;
  classes: number;
  /** lanes of a column class: even */
  lanes: number;
  /** input rows a filter row reads, padding included */
  rows: number;
  /** (class, wR, lane) triples: fh * classes * lanes, the rows of im2col(x)ᵀ as laid out here */
  filterRows: number;
  /** the laid-out runs the classes share, and per class its base and shift (in texels) */
  bases: number;
  classBase: number[];
  classShift: number[];
  /** per base, the x column its output column 0 reads (u of its first class) */
  baseOffset: number[];
  /** texels in a run of a base */
  runTexels: number;
}

export function columnsLayout(g: ConvGeometry): ColumnsLayout {
  const tapLanes = g.inChannelsPerGroup === 1;
  const classes = tapLanes ? Math.ceil(g.filterWidth / 2) : g.filterWidth;
  const lanes = tapLanes ? 2 : 2 * Math.ceil(g.inChannelsPerGroup / 2);
  const period = 2 * g.strideWidth; // x columns between one output-column pair and the next
  const u = Array.from(
    {length: classes},
    (_, c) => (tapLanes ? 2 * c : c) * g.dilationWidth - g.padInfo.left,
  );
  const residues = [...new Set(u.map((v) => ((v % period) + period) % period))];
  const classBase = u.map((v) => residues.indexOf(((v % period) + period) % period));
  const baseOffset = residues.map((_, i) => Math.min(...u.filter((__, c) => classBase[c] === i)));
  const classShift = u.map((v, c) => (v - baseOffset[classBase[c]]) / period);
  return {
    tapLanes,
    classes,
    lanes,
    filterRows: g.filterHeight * classes * lanes,
    rows: (g.outHeight - 1) * g.strideHeight + (g.filterHeight - 1) * g.dilationHeight + 1,
    bases: residues.length,
    classBase,
    classShift,
    baseOffset,
    runTexels: Math.ceil(g.outWidth / 2) + Math.max(...classShift),
  };
}

const intArray = (name: string, values: number[]) =>
  `const int ${name}[${values.length}] = int[${values.length}](${values.join(', ')});`;

/** The window geometry and the layout as GLSL constants, with `extra` int constants. */
export function columnsConstants(
  g: ConvGeometry,
  l: ColumnsLayout,
  extra: Record<string, number> = {},
): string {
  return [
    windowConstantsGlsl(g, {
      batchSize: g.batchSize,
      inCg: g.inChannelsPerGroup,
      outCg: g.outChannelsPerGroup,
      classes: l.classes,
      lanes: l.lanes,
      rows: l.rows,
      bases: l.bases,
      runTexels: l.runTexels,
      outColTexels: Math.ceil(g.outWidth / 2),
      ...extra,
    }),
    intArray('classBase', l.classBase),
    intArray('classShift', l.classShift),
    intArray('baseOffset', l.baseOffset),
  ].join('\n');
}

// The x that lane j of base n reads for (virtual) output column yC, in input row r - padTop.
const COLUMN_GLSL = `
float column(int group, int n, int b, int r, int yC, int j) {
  int d1 = TAP_LANES ? 0 : j;
  int xR = r - pads.x;
  int xC = yC * strides.y + baseOffset[n] + (TAP_LANES ? j * dilations.y : 0);
  bool inside = d1 < inCg && xR >= 0 && xR < inSize.x && xC >= 0 && xC < inSize.y;
  return inside ? readX(b, xR, xC, group * inCg + d1) : 0.0;
}`;

const COLUMNS_COORDS_GLSL = `
  ivec3 o = getOutputCoords();  // [groups * bases * B * rows, lanes, 2 * runTexels]; this texel: lanes (j, j+1) x (yC, yC+1)
  int r = o.x % rows;
  int b = (o.x / rows) % batchSize;
  int n = (o.x / (rows * batchSize)) % bases;
  int group = o.x / (rows * batchSize * bases);
  int j = o.y;
  int yC = o.z;`;

// Any layout: each lane read on its own.
const COLUMNS_MAIN = `
void main() {${COLUMNS_COORDS_GLSL}
  setOutput(vec4(column(group, n, b, r, yC, j), column(group, n, b, r, yC + 1, j),
                 column(group, n, b, r, yC, j + 1), column(group, n, b, r, yC + 1, j + 1)));
}`;

// NHWC with channel lanes whose pairs start at even channels of x: the lanes (j, j+1) of one
// column are one half of one texel of x, so a texel of columns is two reads.
const COLUMNS_PAIRS_MAIN = `
// x[b, xR, xC, (d1, d1+1)] at x column xC, 0 outside x (d1 even)
vec2 channelPair(int b, int xR, int xC, int d1) {
  if (xR < 0 || xR >= inSize.x || xC < 0 || xC >= inSize.y) return vec2(0.0);
  vec4 t = getX(b, xR, xC, d1);  // (xC & ~1, d1) (xC & ~1, d1+1) (xC | 1, d1) (xC | 1, d1+1)
  return (xC & 1) == 0 ? t.xy : t.zw;
}

void main() {${COLUMNS_COORDS_GLSL}
  int d1 = group * inCg + j;
  int xC = yC * strides.y + baseOffset[n];
  vec2 p0 = channelPair(b, r - pads.x, xC, d1);
  vec2 p1 = channelPair(b, r - pads.x, xC + strides.y, d1);
  vec4 lanes = vec4(p0.x, p1.x, p0.y, p1.y);  // (j,yC) (j,yC+1) (j+1,yC) (j+1,yC+1)
  setOutput(j + 1 < inCg ? lanes : vec4(lanes.xy, 0.0, 0.0));
}`;

// NHWC with tap lanes at unit stride and dilation: the lanes are x at columns xC0, xC0 + 1 (taps
// 2c and 2c+1 of output column yC) and xC0 + 1, xC0 + 2 (of yC+1), xC0 = yC + baseOffset, which
// lie in the two texels from column xC0 & ~1: two reads.
const COLUMNS_TAPS_MAIN = `
// x at column base + i (i < 4) of row xR, channel d, from the texels of columns (base, base+1)
// and (base+2, base+3); 0 outside x
float fromRun(vec4 t0, vec4 t1, int base, int i, int xR, int d) {
  int xC = base + i;
  if (xR < 0 || xR >= inSize.x || xC < 0 || xC >= inSize.y) return 0.0;
  vec4 t = i < 2 ? t0 : t1;
  vec2 column = (i & 1) == 0 ? t.xy : t.zw;
  return (d & 1) == 0 ? column.x : column.y;
}

void main() {${COLUMNS_COORDS_GLSL}
  int xR = r - pads.x;
  int xC0 = yC + baseOffset[n];
  int base = xC0 - (xC0 & 1);
  int first = xC0 - base;  // 0 or 1
  int xRead = clamp(xR, 0, inSize.x - 1);
  vec4 t0 = getX(b, xRead, clamp(base, 0, inSize.y - 1), group);
  vec4 t1 = getX(b, xRead, clamp(base + 2, 0, inSize.y - 1), group);
  setOutput(vec4(fromRun(t0, t1, base, first, xR, group), fromRun(t0, t1, base, first + 1, xR, group),
                 fromRun(t0, t1, base, first + 1, xR, group), fromRun(t0, t1, base, first + 2, xR, group)));
}`;

/** The bases of x's columns. */
export class ColumnsProgram implements GPGPUProgram {
  variableNames = ['x'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry, l: ColumnsLayout) {
    this.outputShape = [g.groups * l.bases * g.batchSize * l.rows, l.lanes, 2 * l.runTexels];
    const main: Record<ColumnsReader, string> = {
      'channel pairs': COLUMNS_PAIRS_MAIN,
      'tap runs': COLUMNS_TAPS_MAIN,
      lanes: [packedLayoutGlsl(g.dataFormat, ['x']), COLUMN_GLSL, COLUMNS_MAIN].join('\n'),
    };
    this.userCode = [
      columnsConstants(g, l),
      `#define TAP_LANES ${l.tapLanes}`,
      main[columnsReader(g, l)],
    ].join('\n');
  }
}
