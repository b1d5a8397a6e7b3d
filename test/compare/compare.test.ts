// hm.compare on the cpu backend, and the command line around it.

import '../../src/index';

import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {QUICK_CASES, REFERENCE_CASES, speedTarget} from '../../src/compare/cases';
import {main, parseCompareArgs} from '../../src/compare/cli';
import type {CompareRow} from '../../src/compare/compare';
import {compare, compareActiveBackend} from '../../src/compare/compare';
import {escapeCell, formatMarkdown, formatText} from '../../src/compare/format';

const capture = () => {
  const io = {
    outText: '',
    errText: '',
    isTTY: false,
    out: (t: string) => {
      io.outText += t;
    },
    err: (t: string) => {
      io.errText += t;
    },
  };
  return io;
};

test('every quick case passes on cpu, with the built-in where tfjs has one', async () => {
  const before = tf.memory().numTensors;
  const rows = await compare({backends: ['cpu'], cases: 'quick', repeats: 1});
  expect(tf.memory().numTensors).toBe(before);
  const conv = QUICK_CASES.filter((c) => c.kind === 'conv').length;
  const pool = QUICK_CASES.length - conv;
  expect(rows).toHaveLength(4 * conv + 3 * pool);
  for (const r of rows) {
    expect([r.case, r.kernel, r.ok]).toEqual([r.case, r.kernel, true]);
    expect(r.refRelErr).toBeLessThanOrEqual(1e-5);
    expect(r.handmadeMs).toBeGreaterThan(0);
  }
  const row = (kernel: string, name: string) =>
    rows.find((r) => r.kernel === kernel && r.case === name)!;
  // groups and dilated gradients have no built-in; the rest do
  expect(row('HandmadeConv2D', 'grouped').builtin).toBeNull();
  expect(row('HandmadeConv2DBackpropFilter', 'dilated').builtin).toBeNull();
  expect(row('HandmadeConv2D', 'dilated').builtin).toBe('Conv2D');
  expect(row('HandmadeConv2DBackpropFilter', 'lenet-1').builtin).toBe('Conv2DBackpropFilter');
  expect(row('HandmadeConv2DBackpropFilter', 'lenet-1').builtinRelErr).toBeLessThan(1e-5);
  expect(row('HandmadeMaxPoolGrad', '2x2/2').ratio).toBeGreaterThan(0);
  // a depthwise case is checked against tfjs's depthwise kernels, every job
  expect(
    [
      'HandmadeConv2D',
      'HandmadeConv2DBackpropInput',
      'HandmadeConv2DBackpropFilter',
      'HandmadeFusedConv2D',
    ].map((k) => row(k, 'depthwise').builtin),
  ).toEqual([
    'DepthwiseConv2dNative',
    'DepthwiseConv2dNativeBackpropInput',
    'DepthwiseConv2dNativeBackpropFilter',
    'FusedDepthwiseConv2D',
  ]);
  expect(row('HandmadeConv2DBackpropFilter', 'depthwise').builtinRelErr).toBeLessThan(1e-5);
});

describe('tfjs-handmade compare', () => {
  test('--json prints the rows and exits 0', async () => {
    const io = capture();
    const code = await main(['compare', '--backends', 'cpu', '--json', '--repeats', '1'], io);
    expect(code).toBe(0);
    const rows = JSON.parse(io.outText);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.every((r: {backend: string; ok: boolean}) => r.backend === 'cpu' && r.ok)).toBe(
      true,
    );
  });

  test('--markdown prints a table and a summary line', async () => {
    const io = capture();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hm-cases-'));
    const file = path.join(dir, 'cases.json');
    fs.writeFileSync(
      file,
      JSON.stringify([
        {kind: 'conv', x: [1, 6, 6, 2], filter: [3, 3, 1, 4], strides: 1, pad: 'same'},
        {kind: 'pool', x: [1, 6, 6, 2], filterSize: 2, strides: 2, pad: 'valid'},
      ]),
    );
    try {
      const code = await main(['compare', '--cases', file, '--markdown', '--repeats', '1'], io);
      expect(code).toBe(0);
      expect(io.outText).toMatch(/^\| backend \| kernel \| case \|/);
      expect(io.outText).toMatch(/\| cpu \| Conv2D \| x=\[1,6,6,2\] f=\[3,3,1,4\] \|/);
      expect(io.outText.trim().split('\n').pop()).toBe('7 passed, 0 failed');
    } finally {
      fs.rmSync(dir, {recursive: true});
    }
  });

  test.each([
    [['compare', '--backends', 'cuda'], /--backends: unknown backend\(s\) \["cuda"\]/],
    [['compare', '--json', '--markdown'], /--json and --markdown exclude each other/],
    [['compare', '--repeats', '0'], /--repeats must be a positive integer, got 0/],
    [['compare', '--cases', '/nonexistent.json'], /--cases: cannot read \/nonexistent.json/],
    [['bench'], /expected the command 'compare', got \["bench"\]/],
  ])('%j is a usage error', async (argv, message) => {
    const io = capture();
    expect(await main(argv as string[], io)).toBe(2);
    expect(io.errText).toMatch(message);
    expect(io.errText).toMatch(/usage: tfjs-handmade compare/);
  });

  test('a case file with a malformed case names it', async () => {
    const io = capture();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hm-cases-'));
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(
      file,
      JSON.stringify([{kind: 'conv', x: [1, 6, 6], filter: [3, 3, 1, 4], strides: 1, pad: 'same'}]),
    );
    try {
      expect(await main(['compare', '--cases', file], io)).toBe(2);
      expect(io.errText).toMatch(
        /--cases: .*bad.json: 1 of 1 cases are invalid \(none was run\):\n {2}case 0, field x: must be a 4-D shape of positive sizes, got \[1,6,6\]/,
      );
    } finally {
      fs.rmSync(dir, {recursive: true});
    }
  });
});

describe('a cases file is checked whole before any case runs', () => {
  const good = {
    kind: 'conv',
    name: 'good',
    x: [1, 6, 6, 2],
    filter: [3, 3, 1, 4],
    strides: 1,
    pad: 'same',
  };
  const goodPool = {kind: 'pool', x: [1, 6, 6, 2], filterSize: 2, strides: 2, pad: 'valid'};
  // [the bad case, the field named, the message after it]
  const bad: [string, object, string, RegExp][] = [
    [
      'channels against the filter',
      {kind: 'conv', x: [1, 5, 5, 3], filter: [3, 3, 2, 4], strides: 1, pad: 'same'},
      'filter',
      /the input's 3 channels .* must be a multiple of the filter's in-channels 2/,
    ],
    [
      'groups against out-channels',
      {kind: 'conv', x: [1, 5, 5, 4], filter: [3, 3, 2, 3], strides: 1, pad: 'same'},
      'filter',
      /groups = 2 .* must divide the filter's 3 out-channels/,
    ],
    [
      'a filter larger than the input',
      {kind: 'conv', x: [1, 3, 3, 1], filter: [5, 5, 1, 1], strides: 1, pad: 'valid'},
      'filter',
      /is larger than the padded input/,
    ],
    [
      'stride 0',
      {...good, strides: 0},
      'strides',
      /must be a positive integer or a pair of them, got 0/,
    ],
    [
      'strides and dilations',
      {...good, strides: 2, dilations: 2},
      'dilations',
      /cannot both be greater than 1/,
    ],
    ['an unknown pad', {...good, pad: 'full'}, 'pad', /pad must be 'same', 'valid'/],
    [
      'a rounding mode with pad same',
      {...good, dimRoundingMode: 'ceil'},
      'pad',
      /when dimRoundingMode is given/,
    ],
    [
      'an unknown layout',
      {...good, dataFormat: 'NWHC'},
      'dataFormat',
      /dataFormat must be 'NHWC' or 'NCHW', got "NWHC"/,
    ],
    [
      'a pool window larger than the input',
      {...goodPool, filterSize: 9},
      'filterSize',
      /window 9x9 .* larger than the padded input/,
    ],
    [
      'a pool of window 0',
      {...goodPool, filterSize: 0},
      'filterSize',
      /filterSize must be a positive integer/,
    ],
    ['a name that is no string', {...good, name: 3}, 'name', /must be a string, got 3/],
    [
      'an unknown kind',
      {...good, kind: 'deconv'},
      'kind',
      /must be "conv" or "pool", got "deconv"/,
    ],
    [
      'a depthwise filter against the channels',
      {
        kind: 'conv',
        x: [1, 5, 5, 3],
        filter: [3, 3, 2, 1],
        strides: 1,
        pad: 'same',
        depthwise: true,
      },
      'filter',
      /the depthwise filter \[3,3,2,1\] .* must take the input's 3 channels/,
    ],
    [
      'depthwise that is not a boolean',
      {kind: 'conv', x: [1, 5, 5, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same', depthwise: 1},
      'depthwise',
      /must be true or false/,
    ],
  ];

  const withFile = async (cases: unknown[], body: (file: string) => Promise<void>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hm-cases-'));
    const file = path.join(dir, 'cases.json');
    fs.writeFileSync(file, JSON.stringify(cases));
    try {
      await body(file);
    } finally {
      fs.rmSync(dir, {recursive: true});
    }
  };

  test.each(bad)(
    'case 1 of 2 with %s: exit 2, the case named by index and field, nothing run',
    async (_, badCase, field, message) => {
      await withFile([good, badCase], async (file) => {
        const io = capture();
        const spy = jest.spyOn(tf.engine(), 'runKernel');
        const code = await main(['compare', '--cases', file, '--repeats', '1'], io);
        const runs = spy.mock.calls.length;
        spy.mockRestore();
        expect(code).toBe(2);
        expect(runs).toBe(0);
        expect(io.outText).toBe('');
        const line = io.errText.split('\n').find((l) => l.includes('case 1'));
        expect(line).toBeDefined();
        expect(line).toMatch(new RegExp(`^  case 1(?: \\("[^"]*"\\))?, field ${field}: `));
        expect(line).toMatch(message);
        expect(io.errText).not.toMatch(/case 0/);
        expect(io.errText).toMatch(/usage: tfjs-handmade compare/);
      });
    },
  );

  test('every bad case is listed, not only the first', async () => {
    await withFile([bad[0][1], good, bad[3][1], bad[8][1]], async (file) => {
      const io = capture();
      expect(await main(['compare', '--cases', file], io)).toBe(2);
      expect(io.errText).toMatch(/3 of 4 cases are invalid/);
      expect(io.errText).toMatch(/case 0, field filter: /);
      expect(io.errText).toMatch(/case 2 \("good"\), field strides: /);
      expect(io.errText).toMatch(/case 3, field filterSize: /);
      expect(io.errText).not.toMatch(/case 1/);
    });
  });
});

describe("the command line's flags", () => {
  test.each([
    [['compare', '--bogus']],
    [['compare', '--backends']],
    [['compare', '-x']],
    [['compare', '--json=yes']],
    [['compare', '--cases']],
  ])('%j prints the usage and exits 2, with no stack trace', async (...argv) => {
    const io = capture();
    expect(await main(argv[0] as string[], io)).toBe(2);
    expect(io.errText).toMatch(/^tfjs-handmade: /);
    expect(io.errText).toMatch(/usage: tfjs-handmade compare/);
    expect(io.errText).not.toMatch(/\n\s+at /);
    expect(io.outText).toBe('');
  });

  test.each([
    ['cpu,,cpu', ['cpu']],
    ['cpu, cpu ,cpu', ['cpu']],
    ['wasm,cpu,wasm', ['wasm', 'cpu']],
    [',cpu,', ['cpu']],
  ])('--backends %s runs each backend once', (flag, expected) => {
    expect(parseCompareArgs(['compare', '--backends', flag]).backends).toEqual(expected);
  });

  test('--backends cpu,,cpu gives each row once', async () => {
    const io = capture();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hm-cases-'));
    const file = path.join(dir, 'cases.json');
    fs.writeFileSync(
      file,
      JSON.stringify([{kind: 'pool', x: [1, 4, 4, 1], filterSize: 2, strides: 2, pad: 'valid'}]),
    );
    try {
      expect(
        await main(
          ['compare', '--backends', 'cpu,,cpu', '--cases', file, '--json', '--repeats', '1'],
          io,
        ),
      ).toBe(0);
      expect(JSON.parse(io.outText)).toHaveLength(3);
    } finally {
      fs.rmSync(dir, {recursive: true});
    }
  });
});

describe('case names in the tables', () => {
  const row = (name: string, note = ''): CompareRow => ({
    backend: 'cpu',
    kernel: 'HandmadeConv2D',
    builtin: 'Conv2D',
    builtinMissing: null,
    case: name,
    shape: 'x[1,4,4,1] w[3,3,1,1] s1 same',
    refMaxAbs: 0,
    refRelErr: 0,
    builtinMaxAbs: 0,
    builtinRelErr: 0,
    handmadeMs: 1,
    builtinMs: 2,
    ratio: 2,
    handmadeRuns: 5,
    builtinRuns: 5,
    gflops: null,
    target: null,
    refTolerance: 1e-5,
    builtinTolerance: 1e-4,
    ok: true,
    note,
  });
  const names = [
    'a\nb',
    'a|b',
    'a\r\nb',
    'tab\there',
    'pipe | and\nnewline',
    'back\\slash|',
    'bell\u0007',
    'plain',
  ];
  const rows = names.map((n) => row(n, n));

  test('the text table keeps one line per row, each name readable', () => {
    const lines = formatText(rows).split('\n');
    expect(lines).toHaveLength(rows.length + 1);
    names.forEach((n, i) => expect(lines[i + 1]).toContain(escapeCell(n)));
    expect(escapeCell('a\nb')).toBe('a\\nb');
    expect(escapeCell('a|b')).toBe('a\\|b');
    expect(escapeCell('bell\u0007')).toBe('bell\\u0007');
  });

  test('the markdown table keeps one line and ten columns per row', () => {
    const lines = formatMarkdown(rows).split('\n');
    expect(lines).toHaveLength(rows.length + 2);
    // column separators: '|' not preceded by an escaping backslash (an escaped backslash is '\\\\')
    const separators = (l: string) =>
      l.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length - 1;
    for (const l of lines) expect(separators(l)).toBe(11);
  });

  test('escaping keeps names apart: different names, different cells', () => {
    const escaped = ['a|b', 'a\\|b', 'a\nb', 'a\\nb'].map(escapeCell);
    expect(new Set(escaped).size).toBe(4);
  });
});

describe('the one harness: cases with targets, jobs, timing', () => {
  test('only the reference shapes carry speed targets, c1 its own forward target', () => {
    const c1 = REFERENCE_CASES.find((c) => c.name === 'c1')!;
    const c3 = REFERENCE_CASES.find((c) => c.name === 'c3')!;
    const p1 = REFERENCE_CASES.find((c) => c.name === 'p1')!;
    expect(speedTarget('cpu', c1, 'HandmadeConv2D')).toBe(10);
    expect(speedTarget('cpu', c3, 'HandmadeConv2D')).toBe(20);
    expect(speedTarget('wasm', c3, 'HandmadeConv2DBackpropInput')).toBe(5);
    expect(speedTarget('wasm', c3, 'HandmadeConv2DBackpropFilter')).toBeNull();
    expect(speedTarget('cpu', p1, 'HandmadeMaxPoolValues')).toBe(8);
    expect(speedTarget('cpu', p1, 'HandmadeMaxPool')).toBeNull();
    // A copy of a reference shape is a user's case: no target.
    expect(speedTarget('cpu', {...c3}, 'HandmadeConv2D')).toBeNull();
    expect(QUICK_CASES.every((c) => speedTarget('cpu', c, 'HandmadeConv2D') == null)).toBe(true);
  });

  test('compareActiveBackend times without checking where asked, and only the kernels asked for', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const c = {
      kind: 'conv' as const,
      name: 'small',
      x: [2, 6, 6, 3],
      filter: [3, 3, 3, 4],
      strides: 1,
      pad: 'same' as const,
    };
    const seen: string[] = [];
    const rows = await compareActiveBackend(
      [c],
      {runs: 1, capMs: 1000, check: false, kernels: ['HandmadeConv2D', 'HandmadeFusedConv2D']},
      (r) => {
        seen.push(r.kernel);
      },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual(['HandmadeConv2D', 'HandmadeFusedConv2D']);
    for (const r of rows) {
      expect(r.refRelErr).toBeNull();
      expect(r.shape).toBe('x[2,6,6,3] w[3,3,3,4] s1 same');
      expect(r.gflops!.handmade).toBeCloseTo((2 * 2 * 6 * 6 * 4 * 27) / r.handmadeMs / 1e6, 6);
      expect(r.ok).toBe(true);
    }
    expect(rows[1].builtin).toBe('FusedConv2D');
  });

  test('a skipped built-in is named as skipped, and the row keeps its own timing', async () => {
    await tf.setBackend('cpu');
    const c = {
      kind: 'pool' as const,
      x: [1, 4, 4, 2],
      filterSize: 2,
      strides: 2,
      pad: 'valid' as const,
    };
    const rows = await compareActiveBackend(
      [c],
      {runs: 1, capMs: 1000, skipBuiltin: (job) => job.kernel === 'HandmadeMaxPoolGrad'},
      () => undefined,
    );
    const grad = rows.find((r) => r.kernel === 'HandmadeMaxPoolGrad')!;
    expect([grad.builtin, grad.builtinMissing, grad.builtinMs]).toEqual([null, 'skipped', null]);
    expect(grad.handmadeMs).toBeGreaterThan(0);
    expect(rows.find((r) => r.kernel === 'HandmadeMaxPoolValues')!.builtin).toBe('MaxPool');
  });
});
