// ColumnsProgram: x laid out by filter column, for the kernels that read im2col(x) as one
// operand of a matrix product on packed textures (the forward pass at few input channels, the
// filter gradient).
//
// im2col(x) has a row per output position p = (b, yR, yC) and a column per filter tap and input
// channel; laid out whole it is fh*fw times the size of x. `columns` keeps one copy of x per
// column class instead, [groups * classes * B * rows, lanes, outW]: what one filter column reads,
// shifted and strided along the columns once, so that a pair of output columns (yC, yC+1) reads
// one texel, while a filter row wR stays a row offset, wR*dl, into it. Row r is input row
// r - padTop; `rows` spans every input row a filter row reads, the padding included (as zeros).
// With inCg >= 2 the class is the filter column wC and the lanes are its input channels d1 (a pair
// per texel, inCg rounded up to even); with inCg = 1 a class is a pair of filter columns (wC, wC+1),
// and the lanes are those two taps, so that no lane is spent on a missing channel.
//
// A texel holds lanes (j, j+1) x output columns (yC, yC+1) as (j,yC) (j,yC+1) (j+1,yC) (j+1,yC+1),
// at flat texel index (((g * classes + c) * B + b) * rows + r) * lanes/2 + j/2) * ceil(outW/2) + yC/2:
// a run of output columns is a run of neighbouring texels. Lanes past the filter, the channels,
// the output row or x hold 0.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';
import type {ConvGeometry} from '../../geometry';
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
  /** (wR, class, lane) triples: fh * classes * lanes, the rows of im2col(x)ᵀ as laid out here */
  filterRows: number;
}

export function columnsLayout(g: ConvGeometry): ColumnsLayout {
  const tapLanes = g.inChannelsPerGroup === 1;
  const classes = tapLanes ? Math.ceil(g.filterWidth / 2) : g.filterWidth;
  const lanes = tapLanes ? 2 : 2 * Math.ceil(g.inChannelsPerGroup / 2);
  return {
    tapLanes, classes, lanes, filterRows: g.filterHeight * classes * lanes,
    rows: (g.outHeight - 1) * g.strideHeight + (g.filterHeight - 1) * g.dilationHeight + 1,
  };
}

/** The window geometry and the layout as GLSL constants, with `extra` int constants. */
export function columnsConstants(g: ConvGeometry, l: ColumnsLayout,
                                 extra: Record<string, number> = {}): string {
  return windowConstantsGlsl(g, {
    batchSize: g.batchSize,
    inCg: g.inChannelsPerGroup,
    outCg: g.outChannelsPerGroup,
    classes: l.classes,
    lanes: l.lanes,
    rows: l.rows,
    outColTexels: Math.ceil(g.outWidth / 2),
    ...extra,
  });
}

// The x that lane j of column class c reads for output column yC, in input row r - padTop.
const COLUMN_GLSL = `
float column(int g, int c, int b, int r, int yC, int j) {
  int wC = TAP_LANES ? 2 * c + j : c;
  int d1 = TAP_LANES ? 0 : j;
  int xR = r - pads.x;
  int xC = yC * strides.y - pads.y + wC * dilations.y;
  bool inside = yC < outSize.y && wC < filterSize.y && d1 < inCg && xR >= 0 && xR < inSize.x &&
      xC >= 0 && xC < inSize.y;
  return inside ? readX(b, xR, xC, g * inCg + d1) : 0.0;
}`;

const COLUMNS_COORDS_GLSL = `
  ivec3 o = getOutputCoords();  // columns is [groups * classes * B * rows, lanes, outW]; this texel: lanes (j, j+1) x (yC, yC+1)
  int r = o.x % rows;
  int b = (o.x / rows) % batchSize;
  int c = (o.x / (rows * batchSize)) % classes;
  int g = o.x / (rows * batchSize * classes);
  int j = o.y;
  int yC = o.z;`;

// Any layout: each lane read on its own.
const COLUMNS_MAIN = `
void main() {${COLUMNS_COORDS_GLSL}
  setOutput(vec4(column(g, c, b, r, yC, j), column(g, c, b, r, yC + 1, j),
                 column(g, c, b, r, yC, j + 1), column(g, c, b, r, yC + 1, j + 1)));
}`;

// NHWC with channel lanes whose pairs start at even channels of x: the lanes (j, j+1) of one
// column are one half of one texel of x, so a texel of columns is two reads.
const COLUMNS_PAIRS_MAIN = `
// x[b, xR, xC, (d1, d1+1)], 0 outside x, for output column yC of filter column wC (d1 even)
vec2 channelPair(int b, int xR, int yC, int wC, int d1) {
  int xC = yC * strides.y - pads.y + wC * dilations.y;
  if (yC >= outSize.y || xR < 0 || xR >= inSize.x || xC < 0 || xC >= inSize.y) return vec2(0.0);
  vec4 t = getX(b, xR, xC, d1);  // (xC & ~1, d1) (xC & ~1, d1+1) (xC | 1, d1) (xC | 1, d1+1)
  return (xC & 1) == 0 ? t.xy : t.zw;
}

void main() {${COLUMNS_COORDS_GLSL}
  int d1 = g * inCg + j;
  vec2 p0 = channelPair(b, r - pads.x, yC, c, d1);
  vec2 p1 = channelPair(b, r - pads.x, yC + 1, c, d1);
  vec4 lanes = vec4(p0.x, p1.x, p0.y, p1.y);  // (j,yC) (j,yC+1) (j+1,yC) (j+1,yC+1)
  setOutput(j + 1 < inCg ? lanes : vec4(lanes.xy, 0.0, 0.0));
}`;

// NHWC with tap lanes at unit stride and dilation: the lanes are x at columns xC0, xC0 + 1 (taps
// 2c and 2c+1 of output column yC) and xC0 + 1, xC0 + 2 (of yC+1), xC0 = yC - padLeft + 2c, which
// lie in the two texels from column xC0 & ~1: two reads.
const COLUMNS_TAPS_MAIN = `
// x at column base + i (i < 4) of row xR, channel d, from the texels of columns (base, base+1)
// and (base+2, base+3); 0 outside x
float fromRun(vec4 t0, vec4 t1, int base, int i, int xR, int d, int wC) {
  int xC = base + i;
  if (wC >= filterSize.y || xR < 0 || xR >= inSize.x || xC < 0 || xC >= inSize.y) return 0.0;
  vec4 t = i < 2 ? t0 : t1;
  vec2 column = (i & 1) == 0 ? t.xy : t.zw;
  return (d & 1) == 0 ? column.x : column.y;
}

void main() {${COLUMNS_COORDS_GLSL}
  int xR = r - pads.x;
  int xC0 = yC - pads.y + 2 * c;
  int base = xC0 - (xC0 & 1);
  int first = xC0 - base;  // 0 or 1
  int xRead = clamp(xR, 0, inSize.x - 1);
  vec4 t0 = getX(b, xRead, clamp(base, 0, inSize.y - 1), g);
  vec4 t1 = getX(b, xRead, clamp(base + 2, 0, inSize.y - 1), g);
  bool next = yC + 1 < outSize.y;
  setOutput(vec4(fromRun(t0, t1, base, first, xR, g, 2 * c),
                 next ? fromRun(t0, t1, base, first + 1, xR, g, 2 * c) : 0.0,
                 fromRun(t0, t1, base, first + 1, xR, g, 2 * c + 1),
                 next ? fromRun(t0, t1, base, first + 2, xR, g, 2 * c + 1) : 0.0));
}`;

/** x laid out by column class. */
export class ColumnsProgram implements GPGPUProgram {
  variableNames = ['x'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry, l: ColumnsLayout) {
    this.outputShape = [g.groups * l.classes * g.batchSize * l.rows, l.lanes, g.outWidth];
    const nhwc = g.dataFormat === 'NHWC';
    const main = nhwc && !l.tapLanes && (g.groups === 1 || g.inChannelsPerGroup % 2 === 0) ?
        COLUMNS_PAIRS_MAIN :
        nhwc && l.tapLanes && g.strideWidth === 1 && g.dilationWidth === 1 ? COLUMNS_TAPS_MAIN :
        [packedLayoutGlsl(g.dataFormat, ['x']), COLUMN_GLSL, COLUMNS_MAIN].join('\n');
    this.userCode = [columnsConstants(g, l), `#define TAP_LANES ${l.tapLanes}`, main].join('\n');
  }
}
