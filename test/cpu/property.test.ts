// Random geometries on top of the fixed sweep: fast-check draws shapes, strides, dilations,
// paddings, groups, channel counts and layouts, and every draw must match the float64 reference,
// on both host paths (SIMD and scalar).

import '../../src/index';

import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';

import {convGeometry, poolGeometry} from '../../kernels/geometry';
import type {ConvAttrs, DataFormat, PadSpec, PoolAttrs, RoundingMode} from '../../kernels/names';
import {convCase, poolCase} from '../cases/bodies';
import {convCaseName, poolCaseName} from '../cases/sweeps';
import {describeHostPaths} from '../helpers/host_paths';

beforeAll(() => tf.setBackend('cpu'));

const padArb = (
  layout: DataFormat,
): fc.Arbitrary<{pad: PadSpec; mode?: RoundingMode; label: string}> =>
  fc.oneof(
    fc.constantFrom('same' as const, 'valid' as const).map((pad) => ({pad, label: pad})),
    fc
      .tuple(fc.integer({min: 0, max: 3}), fc.constantFrom(undefined, 'floor', 'round', 'ceil'))
      .map(([pad, mode]) => ({
        pad,
        mode: mode as RoundingMode | undefined,
        label: `${pad} ${mode ?? ''}`,
      })),
    fc
      .tuple(
        fc.array(fc.integer({min: 0, max: 3}), {minLength: 4, maxLength: 4}),
        fc.constantFrom(undefined, 'ceil'),
      )
      .map(([[t, b, l, r], mode]) => ({
        pad: (layout === 'NHWC'
          ? [
              [0, 0],
              [t, b],
              [l, r],
              [0, 0],
            ]
          : [
              [0, 0],
              [0, 0],
              [t, b],
              [l, r],
            ]) as PadSpec,
        mode: mode as RoundingMode | undefined,
        label: `explicit(${t},${b},${l},${r}) ${mode ?? ''}`,
      })),
  );

const stepsArb = fc.oneof(
  fc
    .tuple(fc.integer({min: 1, max: 3}), fc.integer({min: 1, max: 3}))
    .map((s) => ({strides: s, dilations: [1, 1]})),
  fc
    .tuple(fc.integer({min: 1, max: 3}), fc.integer({min: 1, max: 3}))
    .map((d) => ({strides: [1, 1], dilations: d})),
);

describeHostPaths('random geometries', () => {
  test('random convolution geometries match the reference', async () => {
    const arb = fc
      .record({
        batch: fc.integer({min: 1, max: 2}),
        h: fc.integer({min: 1, max: 8}),
        w: fc.integer({min: 1, max: 8}),
        groups: fc.integer({min: 1, max: 3}),
        cg: fc.integer({min: 1, max: 3}),
        outPerGroup: fc.integer({min: 1, max: 3}),
        fh: fc.integer({min: 1, max: 4}),
        fw: fc.integer({min: 1, max: 4}),
        steps: stepsArb,
        layout: fc.constantFrom<DataFormat>('NHWC', 'NCHW'),
        seed: fc.integer({min: 1, max: 1e6}),
      })
      .chain((r) => padArb(r.layout).map((p) => ({...r, p})));
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const inC = r.groups * r.cg;
        const xShape = r.layout === 'NHWC' ? [r.batch, r.h, r.w, inC] : [r.batch, inC, r.h, r.w];
        const filterShape = [r.fh, r.fw, r.cg, r.groups * r.outPerGroup];
        const attrs: ConvAttrs = {
          strides: r.steps.strides as [number, number],
          pad: r.p.pad,
          dataFormat: r.layout,
          dilations: r.steps.dilations as [number, number],
          dimRoundingMode: r.p.mode,
        };
        const g = convGeometry(xShape, filterShape, attrs);
        fc.pre(g.outHeight > 0 && g.outWidth > 0);
        await convCase(
          {
            name: convCaseName(xShape, filterShape, attrs, r.groups, r.p.label),
            xShape,
            filterShape,
            attrs,
            groups: r.groups,
            seed: r.seed,
          },
          1e-5,
        );
      }),
      {numRuns: 150, seed: 42},
    );
  });

  test('random max-pool geometries match the reference', async () => {
    const arb = fc
      .record({
        batch: fc.integer({min: 1, max: 2}),
        h: fc.integer({min: 1, max: 8}),
        w: fc.integer({min: 1, max: 8}),
        c: fc.integer({min: 1, max: 9}),
        kh: fc.integer({min: 1, max: 4}),
        kw: fc.integer({min: 1, max: 4}),
        steps: stepsArb,
        layout: fc.constantFrom<DataFormat>('NHWC', 'NCHW'),
        seed: fc.integer({min: 1, max: 1e6}),
      })
      .chain((r) => padArb(r.layout).map((p) => ({...r, p})));
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const xShape = r.layout === 'NHWC' ? [r.batch, r.h, r.w, r.c] : [r.batch, r.c, r.h, r.w];
        const attrs: PoolAttrs = {
          filterSize: [r.kh, r.kw],
          strides: r.steps.strides as [number, number],
          dilations: r.steps.dilations as [number, number],
          pad: r.p.pad,
          dimRoundingMode: r.p.mode,
          dataFormat: r.layout,
        };
        const g = poolGeometry(xShape, attrs);
        fc.pre(g.outHeight > 0 && g.outWidth > 0);
        await poolCase(
          {name: poolCaseName(xShape, attrs, r.p.label), xShape, attrs, seed: r.seed},
          1e-5,
        );
      }),
      {numRuns: 150, seed: 43},
    );
  });
});
