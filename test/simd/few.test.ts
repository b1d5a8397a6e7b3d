// The gradients by taps for filters of few input channels (kernels/simd/assembly/few.ts) against
// the float64 reference, on geometries chosen to reach them: every input-channel count they take,
// output channels that fill whole blocks of four, part of one, and an odd number of blocks, rows
// that end inside a run of eight cells, dilations, and every pad form within the filter. Each
// case first asserts which path its geometry takes, so that a moved threshold cannot quietly
// send these cases elsewhere.

import '../../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {convGeometry} from '../../kernels/geometry';
import type {ConvAttrs, PadSpec} from '../../kernels/names';
import {FEW_MAX_CHANNELS, filterGradFewPlan, inputGradFewPlan} from '../../kernels/simd/conv';
import {setHostPath, simdStats} from '../../kernels/simd/runtime';
import {convCase} from '../cases/bodies';
import {convCaseName} from '../cases/sweeps';

beforeAll(async () => {
  await tf.setBackend('cpu');
  setHostPath('simd');
});

interface FewCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: PadSpec;
  label: string;
}

const PADS: {pad: PadSpec; label: string}[] = [
  {pad: 'same', label: 'same'},
  {pad: 'valid', label: 'valid'},
  {pad: 1, label: '1'},
  {
    pad: [
      [0, 0],
      [0, 2],
      [1, 0],
      [0, 0],
    ],
    label: 'explicit(t0,b2,l1,r0)',
  },
];
const WIDTHS = [1, 7, 8, 9, 17, 28];
const OUT_CHANNELS = [1, 3, 4, 6, 8, 13];
const FILTERS: [number, number][] = [
  [1, 1],
  [3, 3],
  [5, 5],
  [2, 3],
  [3, 1],
];
const DILATIONS: [number, number][] = [
  [1, 1],
  [2, 1],
  [1, 2],
];

/** Cases cycling through every axis (lengths 4, 4, 6, 6, 5, 3, 2: every value of each axis
 *  occurs, in varied company), at stride 1 where both gradients run by taps. */
function unitStrideCases(): FewCase[] {
  const cases: FewCase[] = [];
  for (let i = 0; i < 60; i++) {
    const inC = 1 + (i % FEW_MAX_CHANNELS);
    const [fh, fw] = FILTERS[i % FILTERS.length];
    // A numeric or explicit pad past a filter's reach (pad 1 on a 1x1 filter) is not in the
    // class; 'same' stands in for it.
    const reaches = fh > 2 && fw > 2;
    const p = reaches ? PADS[(i >> 1) % PADS.length] : PADS[i % 2];
    cases.push({
      x: [1 + (i % 2), 5 + (i % 3) * 2, WIDTHS[i % WIDTHS.length], inC],
      f: [fh, fw, inC, OUT_CHANNELS[(i >> 2) % OUT_CHANNELS.length]],
      strides: [1, 1],
      dilations: DILATIONS[i % DILATIONS.length],
      pad: p.pad,
      label: p.label,
    });
  }
  return cases;
}

/** The filter gradient by taps also takes strides (the input gradient does not). */
function stridedCases(): FewCase[] {
  return [
    {
      x: [2, 11, 13, 1],
      f: [3, 3, 1, 8],
      strides: [2, 2],
      dilations: [1, 1],
      pad: 'same',
      label: 'same',
    },
    {
      x: [1, 9, 17, 3],
      f: [5, 5, 3, 6],
      strides: [2, 3],
      dilations: [1, 1],
      pad: 'valid',
      label: 'valid',
    },
    {x: [2, 12, 10, 2], f: [3, 2, 2, 13], strides: [3, 1], dilations: [1, 1], pad: 2, label: '2'},
    {x: [1, 14, 14, 4], f: [7, 7, 4, 5], strides: [2, 2], dilations: [1, 1], pad: 3, label: '3'},
  ];
}

function attrsOf(c: FewCase): ConvAttrs {
  return {strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations};
}

async function check(c: FewCase, seed: number, infinities: number[] = []): Promise<void> {
  const attrs = attrsOf(c);
  await convCase(
    {
      name: convCaseName(c.x, c.f, attrs, 1, c.label),
      xShape: c.x,
      filterShape: c.f,
      attrs,
      groups: 1,
      seed,
    },
    1e-5,
    infinities,
  );
}

test('the unit-stride cases take both gradients by taps and match the reference', async () => {
  const before = simdStats().runs;
  let checked = 0;
  for (const [i, c] of unitStrideCases().entries()) {
    const g = convGeometry(c.x, c.f, attrsOf(c));
    if (g.outHeight <= 0 || g.outWidth <= 0) continue; // a valid window larger than x
    expect(inputGradFewPlan(g)).not.toBeNull();
    expect(filterGradFewPlan(g)).not.toBeNull();
    await check(c, 100 + i);
    checked++;
  }
  expect(checked).toBeGreaterThanOrEqual(50);
  expect(simdStats().runs).toBeGreaterThan(before);
});

test('strided cases take the filter gradient by taps and match the reference', async () => {
  for (const [i, c] of stridedCases().entries()) {
    const g = convGeometry(c.x, c.f, attrsOf(c));
    expect(inputGradFewPlan(g)).toBeNull();
    expect(filterGradFewPlan(g)).not.toBeNull();
    await check(c, 200 + i);
  }
});

test('infinite inputs keep their semantics in the filter gradient by taps', async () => {
  // Infinities in x, one of them in a corner that padded windows reach: the padding's zeros
  // never multiply dy, so dW is infinite (or NaN where signs meet) exactly where the reference is.
  const c: FewCase = {
    x: [1, 9, 10, 2],
    f: [3, 3, 2, 6],
    strides: [1, 1],
    dilations: [1, 1],
    pad: 'same',
    label: 'same',
  };
  await check(c, 300, [0, 37, 90]);
});

test('the plans stop where their conditions do', () => {
  const attrs: ConvAttrs = {strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1]};
  // More input channels than FEW_MAX_CHANNELS: the GEMM.
  const wide = convGeometry(
    [1, 8, 8, FEW_MAX_CHANNELS + 1],
    [3, 3, FEW_MAX_CHANNELS + 1, 4],
    attrs,
  );
  expect(inputGradFewPlan(wide)).toBeNull();
  expect(filterGradFewPlan(wide)).toBeNull();
  // Groups: the GEMM.
  const grouped = convGeometry([1, 8, 8, 4], [3, 3, 2, 4], attrs);
  expect(inputGradFewPlan(grouped)).toBeNull();
  expect(filterGradFewPlan(grouped)).toBeNull();
  // A pad past the dilated filter: the input gradient's window would leave dy's padding.
  const padded = convGeometry([1, 8, 8, 1], [3, 3, 1, 4], {...attrs, pad: 3});
  expect(inputGradFewPlan(padded)).toBeNull();
  expect(filterGradFewPlan(padded)).not.toBeNull();
});
