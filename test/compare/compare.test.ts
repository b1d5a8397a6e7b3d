// hm.compare on the cpu backend, and the command line around it.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/index';
import {QUICK_CASES} from '../../src/compare/cases';
import {compare} from '../../src/compare/compare';
import {main} from '../../src/compare/cli';

const capture = () => {
  const io = {outText: '', errText: '', isTTY: false,
              out: (t: string) => { io.outText += t; }, err: (t: string) => { io.errText += t; }};
  return io;
};

test('every quick case passes on cpu, with the built-in where tfjs has one', async () => {
  const before = tf.memory().numTensors;
  const rows = await compare({backends: ['cpu'], cases: 'quick', repeats: 1});
  expect(tf.memory().numTensors).toBe(before);
  const conv = QUICK_CASES.filter((c) => c.kind === 'conv').length;
  const pool = QUICK_CASES.length - conv;
  expect(rows).toHaveLength(4 * conv + 2 * pool);
  for (const r of rows) {
    expect([r.case, r.kernel, r.ok]).toEqual([r.case, r.kernel, true]);
    expect(r.refRelErr).toBeLessThanOrEqual(1e-5);
    expect(r.handmadeMs).toBeGreaterThan(0);
  }
  const row = (kernel: string, name: string) => rows.find((r) => r.kernel === kernel && r.case === name)!;
  // groups and dilated gradients have no built-in; the rest do
  expect(row('HandmadeConv2D', 'grouped').builtin).toBeNull();
  expect(row('HandmadeConv2DBackpropFilter', 'dilated').builtin).toBeNull();
  expect(row('HandmadeConv2D', 'dilated').builtin).toBe('Conv2D');
  expect(row('HandmadeConv2DBackpropFilter', 'lenet-1').builtin).toBe('Conv2DBackpropFilter');
  expect(row('HandmadeConv2DBackpropFilter', 'lenet-1').builtinRelErr).toBeLessThan(1e-5);
  expect(row('HandmadeMaxPoolGrad', '2x2/2').ratio).toBeGreaterThan(0);
});

describe('tfjs-handmade compare', () => {
  test('--json prints the rows and exits 0', async () => {
    const io = capture();
    const code = await main(['compare', '--backends', 'cpu', '--json', '--repeats', '1'], io);
    expect(code).toBe(0);
    const rows = JSON.parse(io.outText);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.every((r: {backend: string; ok: boolean}) => r.backend === 'cpu' && r.ok)).toBe(true);
  });

  test('--markdown prints a table and a summary line', async () => {
    const io = capture();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hm-cases-'));
    const file = path.join(dir, 'cases.json');
    fs.writeFileSync(file, JSON.stringify([
      {kind: 'conv', x: [1, 6, 6, 2], filter: [3, 3, 1, 4], strides: 1, pad: 'same'},
      {kind: 'pool', x: [1, 6, 6, 2], filterSize: 2, strides: 2, pad: 'valid'}]));
    try {
      const code = await main(['compare', '--cases', file, '--markdown', '--repeats', '1'], io);
      expect(code).toBe(0);
      expect(io.outText).toMatch(/^\| backend \| kernel \| case \|/);
      expect(io.outText).toMatch(/\| cpu \| Conv2D \| x=\[1,6,6,2\] f=\[3,3,1,4\] \|/);
      expect(io.outText.trim().split('\n').pop()).toBe('6 passed, 0 failed');
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
    fs.writeFileSync(file, JSON.stringify([{kind: 'conv', x: [1, 6, 6], filter: [3, 3, 1, 4], strides: 1, pad: 'same'}]));
    try {
      expect(await main(['compare', '--cases', file], io)).toBe(2);
      expect(io.errText).toMatch(/--cases: .*bad.json: case 0: x must be a 4-D shape, got \[1,6,6\]/);
    } finally {
      fs.rmSync(dir, {recursive: true});
    }
  });
});
