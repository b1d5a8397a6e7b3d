// The sweeps cover what the README says they cover: every value of every axis declared in
// sweeps.ts occurs in the drawn cases, and the README's list (filters 1x1 to 5x5 and non-square,
// strides 1-3 and unequal, dilations 1-3, every padding form with every rounding mode, groups 1,
// 2, 3 and depthwise, both layouts, odd channel counts, batch 1-3) holds of the cases themselves,
// not only of the axes they were drawn from.

import {convGeometry, poolGeometry} from '../../kernels/geometry';
import type {PadSpec, Pair} from '../../kernels/names';
import {
  CONV_AXES,
  CONV_CASES,
  DEPTHWISE_AXES,
  DEPTHWISE_CASES,
  depthwiseFilterShape,
  every,
  POOL_AXES,
  POOL_CASES,
} from './sweeps';

const pairOf = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);
const key = (v: unknown) => JSON.stringify(v);
const padKind = (p: PadSpec) =>
  typeof p === 'string' ? p : typeof p === 'number' ? 'number' : 'explicit';

describe('the conv sweep', () => {
  const filters = new Set(CONV_CASES.map((c) => key(c.filterShape.slice(0, 2))));
  const steps = new Set(
    CONV_CASES.map((c) =>
      key({strides: pairOf(c.attrs.strides), dilations: pairOf(c.attrs.dilations ?? 1)}),
    ),
  );
  const channels = new Set(
    CONV_CASES.map((c) => {
      const inC = c.attrs.dataFormat === 'NCHW' ? c.xShape[1] : c.xShape[3];
      return key([inC, c.filterShape[2], c.filterShape[3]]);
    }),
  );
  const pads = new Set(
    CONV_CASES.map((c) => c.name.split(' pad=')[1].replace(/ (NHWC|NCHW)$/, '')),
  );

  test('has the number of cases the README gives', () => {
    expect(CONV_CASES.length).toBe(240);
  });
  test.each(CONV_AXES.filters.map((f) => [key(f)]))('filter %s occurs', (f) => {
    expect(filters.has(f)).toBe(true);
  });
  test.each(CONV_AXES.steps.map((s) => [key(s)]))('steps %s occur', (s) => {
    expect(steps.has(s)).toBe(true);
  });
  test.each(CONV_AXES.pads.map((p) => [p.label]))('padding %s occurs', (label) => {
    expect(pads.has(label)).toBe(true);
  });
  test.each(CONV_AXES.channels.map((c) => [key(c)]))('channels %s occur', (c) => {
    expect(channels.has(c)).toBe(true);
  });
  test.each(CONV_AXES.dataFormats.map((f) => [f]))('layout %s occurs', (f) => {
    expect(CONV_CASES.some((c) => c.attrs.dataFormat === f)).toBe(true);
  });
  test.each(CONV_AXES.batches.map((b) => [b]))('batch %i occurs', (b) => {
    expect(CONV_CASES.some((c) => c.xShape[0] === b)).toBe(true);
  });

  test("the README's list holds of the cases", () => {
    const fs = CONV_CASES.map((c) => c.filterShape);
    expect(Math.min(...fs.map((f) => Math.min(f[0], f[1])))).toBe(1);
    expect(Math.max(...fs.map((f) => Math.max(f[0], f[1])))).toBe(5);
    expect(fs.some((f) => f[0] !== f[1])).toBe(true);
    const strides = CONV_CASES.map((c) => pairOf(c.attrs.strides));
    expect(new Set(strides.flat())).toEqual(new Set([1, 2, 3]));
    expect(strides.some(([h, w]) => h !== w)).toBe(true);
    expect(new Set(CONV_CASES.flatMap((c) => pairOf(c.attrs.dilations ?? 1)))).toEqual(
      new Set([1, 2, 3]),
    );
    expect(new Set(CONV_CASES.map((c) => padKind(c.attrs.pad)))).toEqual(
      new Set(['same', 'valid', 'number', 'explicit']),
    );
    const rounding = CONV_CASES.map((c) => c.attrs.dimRoundingMode);
    for (const mode of ['ceil', 'floor', 'round']) expect(rounding).toContain(mode);
    expect(
      CONV_CASES.some(
        (c) =>
          typeof c.attrs.pad !== 'string' &&
          c.attrs.dimRoundingMode != null &&
          Array.isArray(c.attrs.pad),
      ),
    ).toBe(true);
    const groups = new Set(CONV_CASES.map((c) => c.groups));
    for (const n of [1, 2, 3]) expect(groups.has(n)).toBe(true);
    // depthwise: one input channel per group, multipliers 1 and 2
    const depthwise = CONV_CASES.filter((c) => c.filterShape[2] === 1 && c.groups > 1);
    expect(new Set(depthwise.map((c) => c.filterShape[3] / c.groups))).toEqual(new Set([1, 2]));
    expect(CONV_CASES.some((c) => c.filterShape[2] % 2 === 1 && c.filterShape[2] > 1)).toBe(true);
    expect(CONV_CASES.some((c) => c.filterShape[3] % 2 === 1)).toBe(true);
  });

  test('every case is a geometry tfjs accepts, with a non-empty output', () => {
    for (const c of CONV_CASES) {
      const g = convGeometry(c.xShape, c.filterShape, c.attrs);
      expect(g.outHeight * g.outWidth).toBeGreaterThan(0);
      expect(g.groups).toBe(c.groups);
    }
  });
});

describe('the pool sweep', () => {
  test('has the number of cases the README gives', () => {
    expect(POOL_CASES.length).toBe(96);
  });
  test.each(POOL_AXES.windows.map((w) => [key(w)]))('window %s occurs', (w) => {
    expect(POOL_CASES.some((c) => key(pairOf(c.attrs.filterSize)) === w)).toBe(true);
  });
  test.each(POOL_AXES.steps.map((s) => [key(s)]))('steps %s occur', (s) => {
    expect(
      POOL_CASES.some(
        (c) =>
          key({strides: pairOf(c.attrs.strides), dilations: pairOf(c.attrs.dilations ?? 1)}) === s,
      ),
    ).toBe(true);
  });
  test.each(POOL_AXES.pads.map((p) => [p.label]))('padding %s occurs', (label) => {
    expect(POOL_CASES.some((c) => c.name.includes(` pad=${label} N`))).toBe(true);
  });
  test.each(POOL_AXES.channels.map((n) => [n]))('%i channels occur', (n) => {
    expect(POOL_CASES.some((c) => c.xShape[c.attrs.dataFormat === 'NCHW' ? 1 : 3] === n)).toBe(
      true,
    );
  });
  test.each(POOL_AXES.dataFormats.map((f) => [f]))('layout %s occurs', (f) => {
    expect(POOL_CASES.some((c) => c.attrs.dataFormat === f)).toBe(true);
  });
  test.each(POOL_AXES.batches.map((b) => [b]))('batch %i occurs', (b) => {
    expect(POOL_CASES.some((c) => c.xShape[0] === b)).toBe(true);
  });
  test('every case is a geometry tfjs accepts, with a non-empty output', () => {
    for (const c of POOL_CASES) {
      const g = poolGeometry(c.xShape, c.attrs);
      expect(g.outHeight * g.outWidth).toBeGreaterThan(0);
    }
  });
});

describe('the depthwise sweep', () => {
  const seen = (f: (c: (typeof DEPTHWISE_CASES)[number]) => unknown) =>
    new Set(DEPTHWISE_CASES.map((c) => key(f(c))));
  test('has 72 cases, every one depthwise: one input channel per group', () => {
    expect(DEPTHWISE_CASES.length).toBe(72);
    for (const c of DEPTHWISE_CASES) {
      const g = convGeometry(c.xShape, c.filterShape, c.attrs);
      expect(g.inChannelsPerGroup).toBe(1);
      expect(g.outHeight * g.outWidth).toBeGreaterThan(0);
      expect(depthwiseFilterShape(c)[2]).toBe(g.inChannels);
    }
  });
  test('every value of every axis occurs', () => {
    const filters = seen((c) => c.filterShape.slice(0, 2));
    for (const f of DEPTHWISE_AXES.filters) expect(filters.has(key(f))).toBe(true);
    const steps = seen((c) => ({
      strides: pairOf(c.attrs.strides),
      dilations: pairOf(c.attrs.dilations ?? 1),
    }));
    for (const s of DEPTHWISE_AXES.steps) expect(steps.has(key(s))).toBe(true);
    const pads = seen((c) => c.name.split(' pad=')[1].replace(/ (NHWC|NCHW)$/, ''));
    for (const p of DEPTHWISE_AXES.pads) expect(pads.has(key(p.label))).toBe(true);
    const channels = seen((c) => [c.groups, 1, c.filterShape[3]]);
    for (const ch of DEPTHWISE_AXES.channels) expect(channels.has(key(ch))).toBe(true);
    expect(seen((c) => c.attrs.dataFormat)).toEqual(new Set(['"NHWC"', '"NCHW"']));
    expect(seen((c) => c.xShape[0])).toEqual(new Set(['1', '2', '3']));
  });
  test('multipliers 1-3, 3x3 and 5x5, strides 1-2, dilations 1-3, odd channel counts', () => {
    expect(seen((c) => depthwiseFilterShape(c)[3])).toEqual(new Set(['1', '2', '3']));
    expect(new Set(DEPTHWISE_CASES.flatMap((c) => pairOf(c.attrs.strides)))).toEqual(
      new Set([1, 2]),
    );
    expect(new Set(DEPTHWISE_CASES.flatMap((c) => pairOf(c.attrs.dilations)))).toEqual(
      new Set([1, 2, 3]),
    );
    expect(DEPTHWISE_CASES.some((c) => c.groups % 2 === 1 && c.groups > 1)).toBe(true);
  });
});

describe('the subsets that the browser and wasm suites run', () => {
  test('every k-th case, first included', () => {
    expect(every(CONV_CASES, 3).length).toBe(80);
    expect(every(POOL_CASES, 2)[1]).toBe(POOL_CASES[2]);
  });
});
