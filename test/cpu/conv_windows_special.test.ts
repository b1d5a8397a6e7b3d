// The cpu input gradient computed as a forward convolution of dy by the rotated filter
// (inputGradientIsForwardConv), and the one-output-channel kernels of the windowed forward
// (gemvWindows, gemvWindowsPair) and bands of output rows (gemmWindows with an offset per
// window), against the float64 reference. Geometries sit on both sides
// of each dispatch condition: stride and dilation 1, one group, at most 96 input channels, a
// window row within one GEMM slice, and the rows paired when stride = dilation along rows.

import {windowsInPlace} from '../../kernels/cpu/conv_common';
import {conv2dCpu} from '../../kernels/cpu/conv2d';
import {
  conv2dBackpropInputCpu,
  inputGradientIsForwardConv,
} from '../../kernels/cpu/conv2d_backprop_input';
import {convGeometry, sizeOf} from '../../kernels/geometry';
import type {ConvAttrs} from '../../kernels/names';
import {conv2dBackpropInputReference, conv2dReference} from '../../kernels/reference/conv2d';
import {expectClose} from '../helpers/close';
import {uniform} from '../helpers/random';

const RTOL = 1e-5;

interface Case {
  xShape: number[];
  filterShape: number[];
  attrs: ConvAttrs;
  /** Whether dx is expected to be computed as a forward convolution. */
  asConv: boolean;
}

const NHWC = 'NHWC' as const;
const s1 = (pad: ConvAttrs['pad'], dataFormat: 'NHWC' | 'NCHW' = NHWC): ConvAttrs => ({
  strides: 1,
  pad,
  dataFormat,
  dilations: 1,
});

const INPUT_GRADIENT_CASES: Case[] = [
  // One input channel (gemvWindowsPair, and gemvWindows for an odd last row); widths that leave
  // a short last tile of four rows.
  {xShape: [3, 9, 10, 1], filterShape: [5, 5, 1, 3], attrs: s1('same'), asConv: true},
  {xShape: [2, 8, 7, 1], filterShape: [3, 3, 1, 8], attrs: s1('valid'), asConv: true},
  {xShape: [2, 6, 5, 1], filterShape: [1, 3, 1, 2], attrs: s1('same'), asConv: true},
  {xShape: [1, 1, 7, 6], filterShape: [4, 2, 1, 5], attrs: s1('same', 'NCHW'), asConv: true},
  // Bands of output rows in gemmWindows: 60 rows of 5 in bands of 52, the last one short.
  {xShape: [1, 60, 5, 2], filterShape: [3, 3, 2, 5], attrs: s1('same'), asConv: true},
  // A padding beyond fh - 1 (rows of dy no window reaches) and uneven explicit padding.
  {xShape: [2, 5, 6, 1], filterShape: [3, 3, 1, 2], attrs: s1(4), asConv: true},
  {
    xShape: [2, 7, 6, 3],
    filterShape: [3, 2, 3, 4],
    attrs: s1([
      [0, 0],
      [2, 0],
      [0, 3],
      [0, 0],
    ]),
    asConv: true,
  },
  // Several input channels (gemmWindows), a window of more than one GEMM slice (5 * 5 * 48 =
  // 1200 values in rows of 240), up to the 96-channel bound and a window row of 1024 values...
  {xShape: [2, 6, 7, 2], filterShape: [3, 3, 2, 5], attrs: s1('same'), asConv: true},
  {xShape: [3, 7, 7, 8], filterShape: [5, 5, 8, 16], attrs: s1('same'), asConv: true},
  {xShape: [2, 5, 6, 96], filterShape: [3, 3, 96, 7], attrs: s1('same'), asConv: true},
  {xShape: [2, 6, 6, 3], filterShape: [5, 5, 3, 48], attrs: s1('same'), asConv: true},
  {xShape: [2, 4, 3, 5], filterShape: [3, 1, 5, 1024], attrs: s1('same'), asConv: true},
  // ...and just past each bound: 97 input channels, a window row of 1025 values.
  {xShape: [2, 5, 6, 97], filterShape: [3, 3, 97, 7], attrs: s1('same'), asConv: false},
  {xShape: [2, 4, 3, 5], filterShape: [3, 1, 5, 1025], attrs: s1('same'), asConv: false},
  // Not stride 1, dilation 1, one group, or a 1x1 identity.
  {
    xShape: [2, 9, 9, 1],
    filterShape: [3, 3, 1, 4],
    attrs: {strides: [2, 1], pad: 'same', dataFormat: NHWC, dilations: 1},
    asConv: false,
  },
  {
    xShape: [2, 9, 9, 1],
    filterShape: [3, 3, 1, 4],
    attrs: {strides: 1, pad: 'same', dataFormat: NHWC, dilations: [1, 2]},
    asConv: false,
  },
  {xShape: [2, 6, 6, 4], filterShape: [3, 3, 2, 6], attrs: s1('same'), asConv: false},
  {xShape: [2, 6, 6, 4], filterShape: [1, 1, 4, 6], attrs: s1('valid'), asConv: false},
];

describe('cpu input gradient as a convolution of dy, vs reference', () => {
  test.each(
    INPUT_GRADIENT_CASES.map(
      (c) =>
        [
          `x=${JSON.stringify(c.xShape)} f=${JSON.stringify(c.filterShape)} ${JSON.stringify(c.attrs)}`,
          c,
        ] as const,
    ),
  )('%s', (_, c) => {
    const g = convGeometry(c.xShape, c.filterShape, c.attrs);
    expect(inputGradientIsForwardConv(g)).toBe(c.asConv);
    const dy = uniform(sizeOf(g.outShape), 5);
    const filter = uniform(sizeOf(c.filterShape), 6);
    expectClose(
      conv2dBackpropInputCpu(dy, filter, g),
      conv2dBackpropInputReference(dy, filter, g),
      g.inShape,
      RTOL,
      'dx',
    );
  });
});

const ONE_CHANNEL_FORWARD: {xShape: number[]; filterShape: number[]; attrs: ConvAttrs}[] = [
  {xShape: [2, 9, 7, 3], filterShape: [3, 3, 3, 1], attrs: s1('same')}, // pairs, odd last row
  {xShape: [2, 8, 9, 2], filterShape: [5, 2, 2, 1], attrs: s1('valid')}, // pairs only
  {
    xShape: [2, 9, 7, 3],
    filterShape: [3, 3, 3, 1],
    attrs: {strides: 2, pad: 'same', dataFormat: NHWC, dilations: 1},
  }, // stride 2: single rows
  {
    xShape: [2, 9, 9, 2],
    filterShape: [2, 3, 2, 1],
    attrs: {strides: 1, pad: 'valid', dataFormat: NHWC, dilations: [2, 1]},
  }, // dilation 2: single rows
  {xShape: [1, 6, 7, 1], filterShape: [1, 1, 1, 1], attrs: s1(1)}, // one tap
];

const BANDED_FORWARD: {xShape: number[]; filterShape: number[]; attrs: ConvAttrs}[] = [
  // 150 output rows of 2 in bands of 128; stride 2 between the windows of a band's rows.
  {
    xShape: [2, 300, 3, 2],
    filterShape: [3, 3, 2, 6],
    attrs: {strides: 2, pad: 'same', dataFormat: NHWC, dilations: 1},
  },
  {
    xShape: [1, 40, 7, 3],
    filterShape: [2, 3, 3, 5],
    attrs: {strides: [1, 2], pad: 'valid', dataFormat: NHWC, dilations: [2, 1]},
  },
];

describe('cpu forward in bands of output rows (windows read in place), vs reference', () => {
  test.each(
    BANDED_FORWARD.map(
      (c) =>
        [
          `x=${JSON.stringify(c.xShape)} f=${JSON.stringify(c.filterShape)} ${JSON.stringify(c.attrs)}`,
          c,
        ] as const,
    ),
  )('%s', (_, c) => {
    const g = convGeometry(c.xShape, c.filterShape, c.attrs);
    expect(windowsInPlace(g)).toBe(true);
    const x = uniform(sizeOf(c.xShape), 9);
    const filter = uniform(sizeOf(c.filterShape), 10);
    expectClose(conv2dCpu(x, filter, g), conv2dReference(x, filter, g), g.outShape, RTOL, 'y');
  });
});

describe('cpu forward with one output channel (windows read in place), vs reference', () => {
  test.each(
    ONE_CHANNEL_FORWARD.map(
      (c) =>
        [
          `x=${JSON.stringify(c.xShape)} f=${JSON.stringify(c.filterShape)} ${JSON.stringify(c.attrs)}`,
          c,
        ] as const,
    ),
  )('%s', (_, c) => {
    const g = convGeometry(c.xShape, c.filterShape, c.attrs);
    expect(windowsInPlace(g)).toBe(true);
    const x = uniform(sizeOf(c.xShape), 7);
    const filter = uniform(sizeOf(c.filterShape), 8);
    expectClose(conv2dCpu(x, filter, g), conv2dReference(x, filter, g), g.outShape, RTOL, 'y');
  });
});
