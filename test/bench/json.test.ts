// The bench's --json mode on a tiny selection (one pool case, the node backends): one JSON array
// of rows on stdout, with the keys the docs promise, and progress kept off stdout.

import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

test('npm run bench -- --quick --only=p1 --backends=cpu,wasm --json prints one array of rows', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'results.md');
  const stdout = execFileSync(
    'npm',
    [
      'run',
      '-s',
      'bench',
      '--',
      '--quick',
      '--only=p1',
      '--backends=cpu,wasm',
      '--json',
      `--out=${out}`,
    ],
    {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60000,
    },
  );
  const rows = JSON.parse(stdout) as Record<string, unknown>[];
  expect(Array.isArray(rows)).toBe(true);
  expect(rows.map((r) => `${r.backend} ${r.kernel}`)).toEqual([
    'cpu HandmadeMaxPoolValues',
    'cpu HandmadeMaxPool',
    'cpu HandmadeMaxPoolGrad',
    'wasm HandmadeMaxPoolValues',
    'wasm HandmadeMaxPool',
    'wasm HandmadeMaxPoolGrad',
  ]);
  for (const r of rows) {
    expect(Object.keys(r).sort()).toEqual([
      'backend',
      'builtinMs',
      'handmadeMs',
      'kernel',
      'ratio',
      'shape',
    ]);
    expect(r.shape).toBe('x[32,28,28,8] 2x2/2 valid');
    expect(r.handmadeMs).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo((r.builtinMs as number) / (r.handmadeMs as number), 6);
  }
  const md = fs.readFileSync(out, 'utf8');
  expect(md).toContain('## cpu');
  expect(md).toContain('## wasm');
}, 60000);
