// The webgl kernels' dispatch (kernels/webgl/dispatch.ts) on the dispatch-edge cases that the
// browser runs against the reference (test/cases/webgl_paths.ts): each case takes the paths it
// names, and together the cases take every path. Pure functions of the geometry: no browser.

import {convGeometry, poolGeometry} from '../kernels/geometry';
import {
  ColumnsReader,
  columnsReader,
  filterGradientPath,
  ForwardPath,
  forwardPath,
  InputGradientPath,
  inputGradientPath,
  pointwiseBlocks,
  subsamplesFirst,
} from '../kernels/webgl/dispatch';
import {columnsLayout} from '../kernels/webgl/programs/columns_program';
import {filterGemmLayout} from '../kernels/webgl/programs/conv2d_backprop_filter_gemm_programs';
import {WindowSearch, windowSearch} from '../kernels/webgl/programs/windows';
import {
  DEPTHWISE_CASES,
  DEPTHWISE_DIRTY_PADDING_CASES,
  DIRTY_PADDING_CASES,
  DIRTY_PADDING_POOL_CASES,
  FAST_PATH_CONV_CASES,
  FAST_PATH_POOL_CASES,
  PathConvCase,
  WebglConvPaths,
} from './cases/webgl_paths';

const CONV_CASES = [...FAST_PATH_CONV_CASES, ...DIRTY_PADDING_CASES];
const POOL_CASES = [...FAST_PATH_POOL_CASES, ...DIRTY_PADDING_POOL_CASES];

function pathsOf(c: PathConvCase): Required<WebglConvPaths> {
  const g = convGeometry(c.xShape, c.filterShape, c.attrs);
  const dW = filterGemmLayout(g);
  return {
    forward: forwardPath(g),
    columns: columnsReader(g, columnsLayout(g)),
    inputGradient: inputGradientPath(g),
    dyAsIs: dW.dyAsIs,
    splits: dW.splits,
    subsample: subsamplesFirst(g),
    blocks: pointwiseBlocks(g),
  };
}

describe('webgl dispatch-edge cases take the paths they name', () => {
  test.each(CONV_CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(Object.keys(c.paths).length).toBeGreaterThan(0);
    const actual = pathsOf(c);
    const named = Object.fromEntries(
      Object.keys(c.paths).map((k) => [k, actual[k as keyof WebglConvPaths]]),
    );
    expect(named).toEqual(c.paths);
  });
  test.each(POOL_CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(windowSearch(poolGeometry(c.xShape, c.attrs))).toBe(c.search);
  });
});

describe('the dispatch-edge cases cover every webgl path', () => {
  const named = <K extends keyof WebglConvPaths>(key: K) =>
    new Set(CONV_CASES.map((c) => c.paths[key]).filter((v) => v != null));
  test('forward', () => {
    const all: ForwardPath[] = ['packed inputs', 'columns', 'one element'];
    expect([...named('forward')].sort()).toEqual([...all].sort());
  });
  test('columns of x', () => {
    const all: ColumnsReader[] = ['channel pairs', 'tap runs', 'lanes'];
    expect([...named('columns')].sort()).toEqual([...all].sort());
  });
  test('input gradient', () => {
    const all: InputGradientPath[] = ['forward conv', 'col2im', 'blocks gather', 'one element'];
    expect([...named('inputGradient')].sort()).toEqual([...all].sort());
  });
  test('filter gradient: dy as it lies and copied, one part and several', () => {
    expect([...named('dyAsIs')].sort()).toEqual([false, true]);
    expect(CONV_CASES.some((c) => pathsOf(c).splits === 1)).toBe(true);
    expect(CONV_CASES.some((c) => (c.paths.splits ?? 1) > 1)).toBe(true);
  });
  test('forward: x subsampled first and not', () => {
    expect([...named('subsample')].sort()).toEqual([false, true]);
  });
  test('forward: a 1x1 product as quarters of y and not', () => {
    expect([...named('blocks')].sort()).toEqual([false, true]);
  });
  test('max-pool gradient', () => {
    const all: WindowSearch[] = ['tiled', 'range', 'every tap'];
    expect([...new Set(POOL_CASES.map((c) => c.search))].sort()).toEqual([...all].sort());
  });
});

describe('webgl depthwise cases take the depthwise programs', () => {
  const cases = [...DEPTHWISE_CASES, ...DEPTHWISE_DIRTY_PADDING_CASES];
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const g = convGeometry(c.xShape, c.filterShape, c.attrs);
    expect(forwardPath(g)).toBe(c.paths.forward);
    expect(inputGradientPath(g)).toBe(c.paths.inputGradient);
    expect(filterGradientPath(g)).toBe(c.filterGradient);
  });
  test('no other case takes them', () => {
    for (const c of CONV_CASES) {
      expect(filterGradientPath(convGeometry(c.xShape, c.filterShape, c.attrs))).toBe(
        'columns product',
      );
    }
  });
});
