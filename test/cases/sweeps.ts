// The sweeps, as data: every geometry the kernels are checked on, shared by the cpu suite in
// node and the webgl suite in the browser. The cases are drawn, with a fixed seed, from the cross
// product of the axes below, keeping only those tfjs accepts and whose output is non-empty; the
// coverage test (test/cases/sweeps.test.ts) checks that every value of every axis occurs.

import {convGeometry, poolGeometry} from '../../kernels/geometry';
import type {
  ConvAttrs,
  DataFormat,
  ExplicitPadding,
  PadSpec,
  Pair,
  PoolAttrs,
  RoundingMode,
} from '../../kernels/names';
import {rng, shuffled} from '../helpers/random';

export interface ConvCase {
  name: string;
  xShape: number[];
  filterShape: number[];
  attrs: ConvAttrs;
  groups: number;
  seed: number;
}

export interface PoolCase {
  name: string;
  xShape: number[];
  attrs: PoolAttrs;
  seed: number;
}

type PadChoice = {pad: PadSpec; dimRoundingMode?: RoundingMode; label: string};

const nhwcExplicit = (t: number, b: number, l: number, r: number): ExplicitPadding => [
  [0, 0],
  [t, b],
  [l, r],
  [0, 0],
];

/** Explicit padding is written in the layout of the data. */
function padFor(choice: PadChoice, dataFormat: DataFormat): PadSpec {
  if (!Array.isArray(choice.pad) || dataFormat === 'NHWC') return choice.pad;
  const p = choice.pad;
  return [[0, 0], [0, 0], p[1], p[2]];
}

export const CONV_AXES = {
  filters: [
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 4],
    [5, 5],
    [3, 2],
    [2, 3],
    [1, 3],
    [4, 1],
    [5, 3],
    [2, 5],
  ] as Pair[],
  steps: [
    {strides: [1, 1], dilations: [1, 1]},
    {strides: [2, 2], dilations: [1, 1]},
    {strides: [2, 1], dilations: [1, 1]},
    {strides: [1, 3], dilations: [1, 1]},
    {strides: [3, 3], dilations: [1, 1]},
    {strides: [3, 2], dilations: [1, 1]},
    {strides: [1, 1], dilations: [2, 2]},
    {strides: [1, 1], dilations: [1, 3]},
    {strides: [1, 1], dilations: [3, 1]},
    {strides: [1, 1], dilations: [2, 3]},
  ] as {strides: Pair; dilations: Pair}[],
  pads: [
    {pad: 'same', label: 'same'},
    {pad: 'valid', label: 'valid'},
    {pad: 1, label: '1'},
    {pad: 2, label: '2'},
    {pad: nhwcExplicit(1, 0, 0, 2), label: 'explicit(t1,b0,l0,r2)'},
    {pad: nhwcExplicit(2, 1, 1, 1), label: 'explicit(t2,b1,l1,r1)'},
    {pad: 1, dimRoundingMode: 'ceil', label: '1 ceil'},
    {pad: 2, dimRoundingMode: 'floor', label: '2 floor'},
    {pad: nhwcExplicit(0, 1, 2, 0), dimRoundingMode: 'ceil', label: 'explicit(t0,b1,l2,r0) ceil'},
    {pad: 1, dimRoundingMode: 'round', label: '1 round'},
  ] as PadChoice[],
  // [inChannels, inChannels per group, outChannels]
  channels: [
    [1, 1, 2],
    [3, 3, 4],
    [5, 5, 3],
    [2, 2, 1], // groups 1, odd counts
    [4, 2, 6],
    [6, 3, 2],
    [6, 2, 9],
    [9, 3, 3], // groups 2 and 3
    [3, 1, 3],
    [5, 1, 10],
    [4, 1, 8], // depthwise, multipliers 1 and 2
  ],
  dataFormats: ['NHWC', 'NCHW'] as DataFormat[],
  batches: [1, 2, 3],
};

const fmt = (v: number | Pair) =>
  typeof v === 'number' || v[0] !== v[1] ? JSON.stringify(v) : String(v[0]);

export function convCaseName(
  xShape: number[],
  filterShape: number[],
  a: ConvAttrs,
  groups: number,
  padLabel: string,
): string {
  return (
    `x=${JSON.stringify(xShape)} f=${JSON.stringify(filterShape)} s=${fmt(a.strides)} ` +
    `d=${fmt(a.dilations)} g=${groups} pad=${padLabel} ${a.dataFormat}`
  );
}

/** Depthwise convolutions (tf.depthwiseConv2d's job), as grouped ones: channels [inC, 1,
 *  inC * multiplier], multipliers 1 to 3, odd channel counts. */
export const DEPTHWISE_AXES: typeof CONV_AXES = {
  filters: [
    [3, 3],
    [5, 5],
    [3, 2],
    [1, 1],
  ],
  steps: [
    {strides: [1, 1], dilations: [1, 1]},
    {strides: [2, 2], dilations: [1, 1]},
    {strides: [2, 1], dilations: [1, 1]},
    {strides: [1, 1], dilations: [2, 2]},
    {strides: [1, 1], dilations: [3, 3]},
    {strides: [1, 1], dilations: [1, 3]},
  ],
  pads: [
    {pad: 'same', label: 'same'},
    {pad: 'valid', label: 'valid'},
    {pad: 1, label: '1'},
    {pad: nhwcExplicit(1, 0, 0, 2), label: 'explicit(t1,b0,l0,r2)'},
    {pad: 1, dimRoundingMode: 'ceil', label: '1 ceil'},
    {pad: 2, dimRoundingMode: 'floor', label: '2 floor'},
    {pad: nhwcExplicit(0, 1, 2, 0), dimRoundingMode: 'round', label: 'explicit(t0,b1,l2,r0) round'},
  ],
  channels: [
    [1, 1, 1],
    [3, 1, 3],
    [5, 1, 10],
    [7, 1, 21],
    [4, 1, 4],
    [2, 1, 6],
    [13, 1, 13],
  ],
  dataFormats: ['NHWC', 'NCHW'],
  batches: [1, 2, 3],
};

/** A depthwise case's filter as tf.depthwiseConv2d takes it: [fh, fw, inC, multiplier]. */
export function depthwiseFilterShape(c: ConvCase): number[] {
  const [fh, fw, , outC] = c.filterShape;
  return [fh, fw, c.groups, outC / c.groups];
}

function buildConvCases(count: number, seed: number, A = CONV_AXES): ConvCase[] {
  const all: [number, number, number, number, number][] = [];
  for (let f = 0; f < A.filters.length; f++) {
    for (let s = 0; s < A.steps.length; s++) {
      for (let p = 0; p < A.pads.length; p++) {
        for (let c = 0; c < A.channels.length; c++) {
          for (let l = 0; l < A.dataFormats.length; l++) all.push([f, s, p, c, l]);
        }
      }
    }
  }
  const next = rng(seed);
  const cases: ConvCase[] = [];
  for (const [f, s, p, c, l] of shuffled(all, seed)) {
    if (cases.length === count) break;
    const [fh, fw] = A.filters[f];
    const {strides, dilations} = A.steps[s];
    const [inC, cg, outC] = A.channels[c];
    const dataFormat = A.dataFormats[l];
    const batch = A.batches[Math.floor(next() * A.batches.length)];
    const h = 4 + Math.floor(next() * 6);
    const w = 4 + Math.floor(next() * 6);
    const xShape = dataFormat === 'NHWC' ? [batch, h, w, inC] : [batch, inC, h, w];
    const filterShape = [fh, fw, cg, outC];
    const attrs: ConvAttrs = {
      strides,
      dilations,
      dataFormat,
      pad: padFor(A.pads[p], dataFormat),
      dimRoundingMode: A.pads[p].dimRoundingMode,
    };
    const g = convGeometry(xShape, filterShape, attrs);
    if (g.outHeight <= 0 || g.outWidth <= 0) continue;
    const groups = inC / cg;
    cases.push({
      name: convCaseName(xShape, filterShape, attrs, groups, A.pads[p].label),
      xShape,
      filterShape,
      attrs,
      groups,
      seed: 1000 + cases.length,
    });
  }
  return cases;
}

export const POOL_AXES = {
  windows: [
    [1, 1],
    [2, 2],
    [3, 3],
    [2, 3],
    [3, 1],
    [4, 4],
    [1, 2],
  ] as Pair[],
  steps: [
    {strides: [1, 1], dilations: [1, 1]},
    {strides: [2, 2], dilations: [1, 1]},
    {strides: [2, 1], dilations: [1, 1]},
    {strides: [3, 3], dilations: [1, 1]},
    {strides: [1, 2], dilations: [1, 1]},
    {strides: [1, 1], dilations: [2, 2]},
    {strides: [1, 1], dilations: [1, 2]},
  ] as {strides: Pair; dilations: Pair}[],
  pads: [
    {pad: 'same', label: 'same'},
    {pad: 'valid', label: 'valid'},
    {pad: 1, label: '1'},
    {pad: nhwcExplicit(1, 0, 0, 1), label: 'explicit(t1,b0,l0,r1)'},
    {pad: 1, dimRoundingMode: 'ceil', label: '1 ceil'},
    {pad: nhwcExplicit(0, 1, 1, 0), dimRoundingMode: 'ceil', label: 'explicit(t0,b1,l1,r0) ceil'},
  ] as PadChoice[],
  channels: [1, 2, 3, 5],
  dataFormats: ['NHWC', 'NCHW'] as DataFormat[],
  batches: [1, 2, 3],
};

export function poolCaseName(xShape: number[], a: PoolAttrs, padLabel: string): string {
  return (
    `x=${JSON.stringify(xShape)} k=${fmt(a.filterSize)} s=${fmt(a.strides)} ` +
    `d=${fmt(a.dilations ?? 1)} pad=${padLabel} ${a.dataFormat}`
  );
}

function buildPoolCases(count: number, seed: number): PoolCase[] {
  const A = POOL_AXES;
  const all: [number, number, number, number, number][] = [];
  for (let k = 0; k < A.windows.length; k++) {
    for (let s = 0; s < A.steps.length; s++) {
      for (let p = 0; p < A.pads.length; p++) {
        for (let c = 0; c < A.channels.length; c++) {
          for (let l = 0; l < A.dataFormats.length; l++) all.push([k, s, p, c, l]);
        }
      }
    }
  }
  const next = rng(seed);
  const cases: PoolCase[] = [];
  for (const [k, s, p, c, l] of shuffled(all, seed)) {
    if (cases.length === count) break;
    const {strides, dilations} = A.steps[s];
    const dataFormat = A.dataFormats[l];
    const channels = A.channels[c];
    const batch = A.batches[Math.floor(next() * A.batches.length)];
    const h = 3 + Math.floor(next() * 6);
    const w = 3 + Math.floor(next() * 6);
    const xShape = dataFormat === 'NHWC' ? [batch, h, w, channels] : [batch, channels, h, w];
    const attrs: PoolAttrs = {
      filterSize: A.windows[k],
      strides,
      dilations,
      dataFormat,
      pad: padFor(A.pads[p], dataFormat),
      dimRoundingMode: A.pads[p].dimRoundingMode,
    };
    const g = poolGeometry(xShape, attrs);
    if (g.outHeight <= 0 || g.outWidth <= 0) continue;
    cases.push({
      name: poolCaseName(xShape, attrs, A.pads[p].label),
      xShape,
      attrs,
      seed: 5000 + cases.length,
    });
  }
  return cases;
}

/** The full sweeps of the cpu suite. */
export const CONV_CASES: ConvCase[] = buildConvCases(240, 20261122);
export const POOL_CASES: PoolCase[] = buildPoolCases(96, 20261123);
/** The depthwise sweep, as grouped cases (depthwiseFilterShape gives tfjs's filter). */
export const DEPTHWISE_CASES: ConvCase[] = buildConvCases(72, 20261206, DEPTHWISE_AXES);

/** Every `step`-th case: the subsets the slower browser suite runs. */
export function every<T>(cases: T[], step: number): T[] {
  return cases.filter((_, i) => i % step === 0);
}

/** Convolutions with ±Infinity in x (at `cells`, coordinates in x's layout), on the edges where a
 *  kernel leaves lanes out of a sum: tap lanes with an odd filter width (a missing second tap),
 *  odd output widths (columns past the output), x's last column, padding; each layout's paths. */
export interface InfinityConvCase extends ConvCase {
  cells: number[][];
}

/** A hand-picked conv case: attributes default to stride 1, 'same', NHWC, no dilation; the
 *  groups follow from the shapes. */
export function convCase(
  xShape: number[],
  filterShape: number[],
  a: Partial<ConvAttrs>,
  seed: number,
): ConvCase {
  const attrs: ConvAttrs = {strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, ...a};
  const inC = attrs.dataFormat === 'NHWC' ? xShape[3] : xShape[1];
  const groups = inC / filterShape[2];
  return {
    name: convCaseName(xShape, filterShape, attrs, groups, String(attrs.pad)),
    xShape,
    filterShape,
    attrs,
    groups,
    seed,
  };
}

function infinityCase(
  xShape: number[],
  filterShape: number[],
  a: Partial<ConvAttrs>,
  cells: number[][],
): InfinityConvCase {
  return {...convCase(xShape, filterShape, a, 7000 + cells.length * 31 + xShape[2]), cells};
}

export const INFINITY_CONV_CASES: InfinityConvCase[] = [
  infinityCase([1, 6, 7, 1], [3, 3, 1, 2], {}, [
    [0, 2, 3, 0],
    [0, 4, 6, 0],
  ]),
  infinityCase([1, 6, 9, 2], [3, 3, 2, 4], {pad: 'valid'}, [
    [0, 1, 8, 1],
    [0, 3, 2, 0],
  ]),
  infinityCase([1, 5, 7, 8], [3, 3, 8, 4], {}, [[0, 2, 6, 3]]),
  infinityCase([1, 7, 7, 1], [3, 3, 1, 2], {strides: 2}, [
    [0, 3, 4, 0],
    [0, 5, 2, 0],
  ]),
  infinityCase([2, 5, 6, 3], [5, 5, 3, 2], {}, [[1, 4, 5, 2]]),
  infinityCase([1, 2, 6, 7], [3, 3, 2, 2], {dataFormat: 'NCHW'}, [[0, 1, 2, 6]]),
];

/** Flat index of coordinates in a shape. */
export function flatIndex(coords: number[], shape: number[]): number {
  return coords.reduce((i, v, ax) => i * shape[ax] + v, 0);
}
