// The cases of the comparison harness, in tfjs's own conventions (NHWC or NCHW shapes, HWIO
// filters, strides / pad / dilations / dimRoundingMode as tf.conv2d and tf.maxPool take them),
// so a case file reads like the call it stands for:
//   {"kind": "conv", "name": "resnet", "x": [8,56,56,64], "filter": [3,3,64,64], "strides": 1,
//    "pad": "same"}
//   {"kind": "pool", "x": [8,56,56,64], "filterSize": 2, "strides": 2, "pad": "valid"}

import {
  ArgumentError,
  checkConvShapes,
  checkPoolShapes,
  depthwiseAsGrouped,
  show,
} from '../../kernels/checks';
import {convAttrsOf, poolAttrsOf} from '../../kernels/gradients/attrs';
import type {DataFormat, PadSpec, Pair, RoundingMode} from '../../kernels/names';

export interface ConvCompareCase {
  kind: 'conv';
  name?: string;
  x: number[];
  filter: number[];
  strides: number | Pair;
  pad: PadSpec;
  dataFormat?: DataFormat;
  dilations?: number | Pair;
  dimRoundingMode?: RoundingMode;
  /** The fused job's activation (default relu). */
  activation?: 'linear' | 'relu' | 'relu6';
  /** An inference case: only the job a pretrained model runs, the fused convolution. */
  inference?: boolean;
  /** A depthwise convolution (tf.depthwiseConv2d's job): filter is [fh, fw, inC, multiplier],
   *  and the built-ins are tfjs's depthwise kernels. */
  depthwise?: boolean;
}

export interface PoolCompareCase {
  kind: 'pool';
  name?: string;
  x: number[];
  filterSize: number | Pair;
  strides: number | Pair;
  pad: PadSpec;
  dataFormat?: DataFormat;
  dilations?: number | Pair;
  dimRoundingMode?: RoundingMode;
  /** An inference case: only the max pool's values, the job of tfjs's MaxPool. */
  inference?: boolean;
}

export type CompareCase = ConvCompareCase | PoolCompareCase;

/** Small geometries that run in seconds on every backend, each a different corner. */
export const QUICK_CASES: CompareCase[] = [
  {kind: 'conv', name: 'lenet-1', x: [4, 28, 28, 1], filter: [5, 5, 1, 8], strides: 1, pad: 'same'},
  {
    kind: 'conv',
    name: 'strided',
    x: [2, 15, 13, 6],
    filter: [3, 3, 6, 8],
    strides: [2, 1],
    pad: 'valid',
  },
  {
    kind: 'conv',
    name: 'dilated',
    x: [2, 12, 12, 4],
    filter: [3, 3, 4, 6],
    strides: 1,
    pad: 'same',
    dilations: 2,
  },
  {kind: 'conv', name: 'grouped', x: [2, 10, 10, 6], filter: [3, 3, 2, 9], strides: 1, pad: 1},
  {
    kind: 'conv',
    name: 'depthwise',
    x: [2, 9, 9, 5],
    filter: [3, 3, 5, 2],
    strides: 2,
    pad: 'same',
    depthwise: true,
  },
  {
    kind: 'conv',
    name: 'nchw-explicit-ceil',
    x: [2, 5, 11, 9],
    filter: [4, 2, 5, 4],
    strides: 2,
    pad: [
      [0, 0],
      [0, 0],
      [1, 2],
      [0, 1],
    ],
    dataFormat: 'NCHW',
    dimRoundingMode: 'ceil',
  },
  {kind: 'conv', name: '1x1', x: [2, 8, 8, 32], filter: [1, 1, 32, 16], strides: 1, pad: 'valid'},
  {kind: 'pool', name: '2x2/2', x: [4, 14, 14, 8], filterSize: 2, strides: 2, pad: 'valid'},
  {kind: 'pool', name: '3x3/2 same', x: [2, 13, 13, 5], filterSize: 3, strides: 2, pad: 'same'},
  {
    kind: 'pool',
    name: 'nchw-ceil',
    x: [2, 3, 9, 9],
    filterSize: [2, 3],
    strides: 2,
    pad: 1,
    dimRoundingMode: 'ceil',
    dataFormat: 'NCHW',
  },
];

/** The reference shapes (NHWC, float32): LeNet's layers (c1, c2, p1), ResNet's 3x3 blocks at
 *  stride 1 and 2 (c3, c4, p2, p3) and a 1x1 layer (c5). `npm run bench` times these and holds
 *  them to the speed targets below. */
export const REFERENCE_CASES: CompareCase[] = [
  {kind: 'conv', name: 'c1', x: [32, 28, 28, 1], filter: [5, 5, 1, 8], strides: 1, pad: 'same'},
  {kind: 'conv', name: 'c2', x: [32, 14, 14, 8], filter: [5, 5, 8, 16], strides: 1, pad: 'same'},
  {kind: 'conv', name: 'c3', x: [8, 56, 56, 64], filter: [3, 3, 64, 64], strides: 1, pad: 'same'},
  {kind: 'conv', name: 'c4', x: [8, 56, 56, 64], filter: [3, 3, 64, 128], strides: 2, pad: 'same'},
  {
    kind: 'conv',
    name: 'c5',
    x: [8, 28, 28, 128],
    filter: [1, 1, 128, 256],
    strides: 1,
    pad: 'same',
  },
  {kind: 'pool', name: 'p1', x: [32, 28, 28, 8], filterSize: 2, strides: 2, pad: 'valid'},
  {kind: 'pool', name: 'p2', x: [8, 56, 56, 64], filterSize: 2, strides: 2, pad: 'valid'},
  {kind: 'pool', name: 'p3', x: [8, 112, 112, 64], filterSize: 3, strides: 2, pad: 'same'},
];

/** A 1x1 (or fh x fw) fused convolution of a pretrained model at batch 1, 'same' padding. */
function fused(
  name: string,
  [h, w, inC]: number[],
  [fh, outC]: number[],
  strides: number,
  activation: 'linear' | 'relu' | 'relu6',
): ConvCompareCase {
  const filter = [fh, fh, inC, outC];
  return {
    kind: 'conv',
    name,
    x: [1, h, w, inC],
    filter,
    strides,
    pad: 'same',
    activation,
    inference: true,
  };
}

/** Every distinct convolution of MobileNetV2 (width 1.0, 224x224) outside its depthwise layers,
 *  from its published layer table: the strided 3x3 stem, then per bottleneck block a 1x1
 *  expansion (relu6) and a 1x1 linear projection, and the final 1x1 to 1280 channels. */
export const MOBILENET_V2_CASES: CompareCase[] = [
  fused('m-stem', [224, 224, 3], [3, 32], 2, 'relu6'),
  fused('m-112-p16', [112, 112, 32], [1, 16], 1, 'linear'),
  fused('m-112-e96', [112, 112, 16], [1, 96], 1, 'relu6'),
  fused('m-56-p24', [56, 56, 96], [1, 24], 1, 'linear'),
  fused('m-56-e144', [56, 56, 24], [1, 144], 1, 'relu6'),
  fused('m-56-p24b', [56, 56, 144], [1, 24], 1, 'linear'),
  fused('m-28-p32', [28, 28, 144], [1, 32], 1, 'linear'),
  fused('m-28-e192', [28, 28, 32], [1, 192], 1, 'relu6'),
  fused('m-28-p32b', [28, 28, 192], [1, 32], 1, 'linear'),
  fused('m-14-p64', [14, 14, 192], [1, 64], 1, 'linear'),
  fused('m-14-e384', [14, 14, 64], [1, 384], 1, 'relu6'),
  fused('m-14-p64b', [14, 14, 384], [1, 64], 1, 'linear'),
  fused('m-14-p96', [14, 14, 384], [1, 96], 1, 'linear'),
  fused('m-14-e576', [14, 14, 96], [1, 576], 1, 'relu6'),
  fused('m-14-p96b', [14, 14, 576], [1, 96], 1, 'linear'),
  fused('m-7-p160', [7, 7, 576], [1, 160], 1, 'linear'),
  fused('m-7-e960', [7, 7, 160], [1, 960], 1, 'relu6'),
  fused('m-7-p160b', [7, 7, 960], [1, 160], 1, 'linear'),
  fused('m-7-p320', [7, 7, 960], [1, 320], 1, 'linear'),
  fused('m-7-1280', [7, 7, 320], [1, 1280], 1, 'relu6'),
];

/** Every distinct convolution of ResNet-50 (224x224, the original layout: a stage's stride on
 *  its first 1x1 and its 1x1 shortcut), from its published layer table, and its max pool: the
 *  7x7 stem, per stage the 1x1 reductions (relu), the 3x3 (relu), the 1x1 expansions and the
 *  shortcuts (linear: the add and relu follow). */
export const RESNET_50_CASES: CompareCase[] = [
  fused('r-stem', [224, 224, 3], [7, 64], 2, 'relu'),
  {
    kind: 'pool',
    name: 'r-pool',
    x: [1, 112, 112, 64],
    filterSize: 3,
    strides: 2,
    pad: 'same',
    inference: true,
  },
  fused('r-56-r64', [56, 56, 64], [1, 64], 1, 'relu'),
  fused('r-56-3x3', [56, 56, 64], [3, 64], 1, 'relu'),
  fused('r-56-e256', [56, 56, 64], [1, 256], 1, 'linear'),
  fused('r-56-r64b', [56, 56, 256], [1, 64], 1, 'relu'),
  fused('r-56-r128s2', [56, 56, 256], [1, 128], 2, 'relu'),
  fused('r-56-sc512s2', [56, 56, 256], [1, 512], 2, 'linear'),
  fused('r-28-3x3', [28, 28, 128], [3, 128], 1, 'relu'),
  fused('r-28-e512', [28, 28, 128], [1, 512], 1, 'linear'),
  fused('r-28-r128', [28, 28, 512], [1, 128], 1, 'relu'),
  fused('r-28-r256s2', [28, 28, 512], [1, 256], 2, 'relu'),
  fused('r-28-sc1024s2', [28, 28, 512], [1, 1024], 2, 'linear'),
  fused('r-14-3x3', [14, 14, 256], [3, 256], 1, 'relu'),
  fused('r-14-e1024', [14, 14, 256], [1, 1024], 1, 'linear'),
  fused('r-14-r256', [14, 14, 1024], [1, 256], 1, 'relu'),
  fused('r-14-r512s2', [14, 14, 1024], [1, 512], 2, 'relu'),
  fused('r-14-sc2048s2', [14, 14, 1024], [1, 2048], 2, 'linear'),
  fused('r-7-3x3', [7, 7, 512], [3, 512], 1, 'relu'),
  fused('r-7-e2048', [7, 7, 512], [1, 2048], 1, 'linear'),
  fused('r-7-r512', [7, 7, 2048], [1, 512], 1, 'relu'),
];

/** A depthwise 3x3 of MobileNetV2 ('same', relu6 where fused) on x[batch, h, h, channels]. */
function depthwise(h: number, channels: number, strides: number, batch: number): CompareCase {
  return {
    kind: 'conv',
    name: `dw-${h}-${channels}${strides === 2 ? 's2' : ''}-b${batch}`,
    x: [batch, h, h, channels],
    filter: [3, 3, channels, 1],
    strides,
    pad: 'same',
    activation: 'relu6',
    depthwise: true,
  };
}

/** Every distinct depthwise convolution of MobileNetV2 (width 1.0, 224x224), from its published
 *  layer table (the first of each block's stride 2, 32 to 960 channels, 112x112 down to 7x7), at
 *  batch 1 (a pretrained model's inference) and batch 8 (a training step): every job. */
export const DEPTHWISE_CASES: CompareCase[] = [1, 8].flatMap((batch) =>
  (
    [
      [112, 32, 1],
      [112, 96, 2],
      [56, 144, 1],
      [56, 144, 2],
      [28, 192, 1],
      [28, 192, 2],
      [14, 384, 1],
      [14, 576, 1],
      [14, 576, 2],
      [7, 960, 1],
    ] as const
  ).map(([h, c, s]) => depthwise(h, c, s, batch)),
);

/** The inference cases: pretrained models' layers at batch 1. */
export const INFERENCE_CASES: CompareCase[] = [...MOBILENET_V2_CASES, ...RESNET_50_CASES];

/** The quick cases and the reference shapes. */
export const FULL_CASES: CompareCase[] = [...QUICK_CASES, ...REFERENCE_CASES];

type Targets = Partial<Record<string, Partial<Record<string, number>>>>;

/** The speed targets of the reference shapes, per backend and handmade kernel: the least ratio
 *  (built-in ms / handmade ms) a full bench run must show. A pool's targets are carried by
 *  HandmadeMaxPoolValues, which does the job of tfjs's MaxPool; on wasm tfjs has no filter
 *  gradient, and no target is set for the fused convolution. */
const SPEED_TARGETS: Targets = {
  cpu: {
    HandmadeConv2D: 20,
    HandmadeConv2DBackpropInput: 12,
    HandmadeConv2DBackpropFilter: 250,
    HandmadeMaxPoolValues: 8,
    HandmadeMaxPoolGrad: 40,
  },
  webgl: {
    HandmadeConv2D: 1,
    HandmadeConv2DBackpropInput: 1,
    HandmadeConv2DBackpropFilter: 3,
    HandmadeMaxPoolGrad: 1.5,
  },
  wasm: {
    HandmadeConv2D: 1,
    HandmadeConv2DBackpropInput: 5,
    HandmadeMaxPoolValues: 1,
    HandmadeMaxPoolGrad: 5,
  },
};

/** Targets of one reference shape that differ from its kernel's: c1 has one input channel,
 *  which leaves the forward's products little to share. */
const CASE_TARGETS: Record<string, Targets> = {
  c1: {cpu: {HandmadeConv2D: 10}},
};

/** The speed target of a kernel on a case and backend, or null: only the reference shapes
 *  have targets. */
export function speedTarget(backend: string, c: CompareCase, kernel: string): number | null {
  if (!REFERENCE_CASES.includes(c) || c.name == null) return null;
  return CASE_TARGETS[c.name]?.[backend]?.[kernel] ?? SPEED_TARGETS[backend]?.[kernel] ?? null;
}

/** A case's attributes, as the handmade kernels and ops take them: the one reader of attributes
 *  that the gradients use too (kernels/gradients/attrs.ts). */
export {convAttrsOf, poolAttrsOf};

export function caseName(c: CompareCase): string {
  if (c.name != null) return c.name;
  return c.kind === 'conv'
    ? `x=${JSON.stringify(c.x)} f=${JSON.stringify(c.filter)}`
    : `x=${JSON.stringify(c.x)} k=${JSON.stringify(c.filterSize)}`;
}

/** Checks every case of a parsed case file, its geometry included, before any runs: throws one
 *  error naming each bad case by its index (and name) and the field at fault. */
const dataFormatOf = (c: Record<string, unknown>): DataFormat =>
  c.dataFormat === 'NCHW' ? 'NCHW' : 'NHWC';

export function parseCases(json: unknown, source: string): CompareCase[] {
  if (!Array.isArray(json)) throw new Error(`${source}: expected a JSON array of cases`);
  const problems: string[] = [];
  const isShape = (v: unknown, rank: number) =>
    Array.isArray(v) && v.length === rank && v.every((n) => Number.isInteger(n) && n > 0);
  const problem = (c: Record<string, unknown>): string | null => {
    if (c.kind !== 'conv' && c.kind !== 'pool')
      return `kind: must be "conv" or "pool", got ${show(c.kind)}`;
    if (c.name != null && typeof c.name !== 'string')
      return `name: must be a string, got ${show(c.name)}`;
    if (!isShape(c.x, 4)) return `x: must be a 4-D shape of positive sizes, got ${show(c.x)}`;
    if (c.kind === 'conv' && !isShape(c.filter, 4)) {
      return `filter: must be a 4-D shape [fh, fw, inC / groups, outC] of positive sizes, got ${show(c.filter)}`;
    }
    if (c.kind === 'pool' && c.filterSize == null) return 'filterSize: is required';
    if (c.depthwise != null && (c.kind !== 'conv' || typeof c.depthwise !== 'boolean')) {
      return `depthwise: must be true or false, on a conv case, got ${show(c.depthwise)}`;
    }
    if (c.strides == null) return 'strides: is required';
    if (c.pad == null) return 'pad: is required';
    try {
      if (c.kind === 'conv') {
        const filter =
          c.depthwise === true
            ? depthwiseAsGrouped('', c.x as number[], c.filter as number[], dataFormatOf(c))
            : (c.filter as number[]);
        checkConvShapes(
          '',
          c.x as number[],
          filter,
          convAttrsOf(c as unknown as ConvCompareCase),
          true,
        );
      } else {
        checkPoolShapes('', c.x as number[], poolAttrsOf(c as unknown as PoolCompareCase), true);
      }
    } catch (e) {
      if (!(e instanceof ArgumentError)) throw e;
      return `${e.argument}: ${e.message.replace(/^: /, '')}`;
    }
    return null;
  };
  json.forEach((c, i) => {
    if (c == null || typeof c !== 'object' || Array.isArray(c)) {
      problems.push(`case ${i}: not an object`);
      return;
    }
    const why = problem(c as Record<string, unknown>);
    const name = typeof c.name === 'string' ? ` (${show(c.name)})` : '';
    if (why != null) problems.push(`case ${i}${name}, field ${why}`);
  });
  if (problems.length > 0) {
    throw new Error(
      `${source}: ${problems.length} of ${json.length} cases are invalid (none was ` +
        `run):\n  ${problems.join('\n  ')}`,
    );
  }
  return json as CompareCase[];
}
