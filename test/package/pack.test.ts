// The package as users get it: build, `npm pack`, install the tarball with its peers into an empty
// project in a temporary directory, and use it there from an ES module, from CommonJS, from
// TypeScript, and as the script-tag bundle (evaluated with a global `tf` made of the real tfjs
// modules). Each consumer runs a conv, a max pool and their gradients on the cpu backend and
// prints how far they are from tfjs's own. The build runs on a copy of the repository, so nothing
// is written into it.

import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import * as hmSource from '../../src/index';

const ROOT = path.resolve(__dirname, '../..');
const PEERS = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-webgl',
  '@tensorflow/tfjs-layers',
];
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const TOL = 1e-4; // relative to the largest magnitude of each result

// The same check in every consumer: `tf` and `hm` are in scope; prints one JSON line.
const CHECK_BODY = `
  await tf.setBackend('cpu');
  const x = tf.randomUniform([2, 9, 8, 3], -1, 1, 'float32', 1);
  const w = tf.randomUniform([3, 3, 3, 4], -1, 1, 'float32', 2);
  const r = tf.randomUniform([2, 5, 4, 3], -1, 1, 'float32', 3);
  const rel = (a, b) => {
    const d = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    const s = Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-30);
    return d / s;
  };
  const conv = (f) => (a, b) => f(a, b, [2, 1], 'same');
  const convLoss = (f) => (a, b) => tf.sum(tf.square(conv(f)(a, b)));
  const [dxH, dwH] = tf.grads(convLoss(hm.conv2d))([x, w]);
  const [dxT, dwT] = tf.grads(convLoss(tf.conv2d))([x, w]);
  const pool = (f) => (a) => f(a, 3, 2, 'same');
  const poolLoss = (f) => (a) => tf.sum(tf.mul(pool(f)(a), r));
  const result = {
    backend: tf.getBackend(),
    handmadeKernelsOnCpu: hm.KERNEL_TABLE.every((row) => tf.getKernel(row.kernelName, 'cpu') != null),
    conv: rel(conv(hm.conv2d)(x, w), conv(tf.conv2d)(x, w)),
    convDx: rel(dxH, dxT),
    convDw: rel(dwH, dwT),
    pool: rel(pool(hm.maxPool)(x), pool(tf.maxPool)(x)),
    poolDx: rel(tf.grad(poolLoss(hm.maxPool))(x), tf.grad(poolLoss(tf.maxPool))(x)),
    convShape: conv(hm.conv2d)(x, w).shape,
    poolShape: pool(hm.maxPool)(x).shape,
    exports: Object.keys(hm).filter((k) => k !== 'default' && k !== '__esModule').sort(),
  };
  console.log(JSON.stringify(result));
`;

const ESM = `
import * as tf from '@tensorflow/tfjs-core';
import * as hm from 'tfjs-handmade';
console.log(JSON.stringify({resolved: import.meta.resolve('tfjs-handmade')}));
${CHECK_BODY}
`;

const CJS = `
const tf = require('@tensorflow/tfjs-core');
const hm = require('tfjs-handmade');
console.log(JSON.stringify({resolved: require.resolve('tfjs-handmade')}));
(async () => {
${CHECK_BODY}
})().catch((e) => { console.error(e); process.exit(1); });
`;

// The script-tag bundle: a global \`tf\` with what tfjs's union bundle exposes (core, layers, the
// cpu backend registered), then the bundle's text evaluated as a classic script.
const IIFE = `
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const file = path.join(__dirname, 'node_modules/tfjs-handmade/dist/tfjs-handmade.min.js');
const code = fs.readFileSync(file, 'utf8');
let missingTf = '';
try { vm.runInNewContext(code, {}); } catch (e) { missingTf = String(e && e.message); }
globalThis.tf = Object.assign({}, require('@tensorflow/tfjs-core'), require('@tensorflow/tfjs-backend-cpu'),
                              require('@tensorflow/tfjs-layers'));
const before = new Set(Object.keys(globalThis));
vm.runInThisContext(code, {filename: file});
const added = Object.keys(globalThis).filter((k) => !before.has(k));
console.log(JSON.stringify({added, missingTf, bytes: code.length}));
const tf = globalThis.tf;
const hm = globalThis.hm;
(async () => {
${CHECK_BODY}
})().catch((e) => { console.error(e); process.exit(1); });
`;

// TypeScript under Node's own module rules: the exports map's types and both conditions.
const TS = `
import * as tf from '@tensorflow/tfjs-core';
import * as hm from 'tfjs-handmade';
const x: tf.Tensor4D = tf.zeros([1, 4, 4, 1]);
const y: tf.Tensor4D = hm.conv2d(x, tf.ones([2, 2, 1, 1]), 1, 'valid');
const p: tf.Tensor4D = hm.maxPool(y, 2, 1, 'same');
const rows: readonly hm.KernelRow[] = hm.KERNEL_TABLE;
export {p, rows};
`;

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
      env: {
        ...process.env,
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
      },
    });
  } catch (e) {
    const err = e as {stdout?: string; stderr?: string; message: string};
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`,
    );
  }
}

function lastJson(out: string): Record<string, unknown> {
  const lines = out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

function firstJson(out: string): Record<string, unknown> {
  return JSON.parse(
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))[0],
  ) as Record<string, unknown>;
}

function expectAgreement(r: Record<string, unknown>): void {
  expect(r.backend).toBe('cpu');
  expect(r.handmadeKernelsOnCpu).toBe(true);
  for (const k of ['conv', 'convDx', 'convDw', 'pool', 'poolDx']) {
    expect(typeof r[k]).toBe('number');
    expect(r[k] as number).toBeLessThan(TOL);
  }
  expect(r.convShape).toEqual([2, 5, 8, 4]);
  expect(r.poolShape).toEqual([2, 5, 4, 3]);
}

const SOURCE_EXPORTS = Object.keys(hmSource).sort();

describe('the packed tarball', () => {
  let tmp = '';
  let consumer = '';

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-handmade-pack-'));
    // Build and pack a copy of the repository (not its node_modules, which is linked).
    const repo = path.join(tmp, 'repo');
    const skip = new Set(['node_modules', '.git', 'dist', '.cache', 'test']);
    fs.cpSync(ROOT, repo, {
      recursive: true,
      filter: (src) => !skip.has(path.relative(ROOT, src).split(path.sep)[0]),
    });
    fs.symlinkSync(
      fs.realpathSync(path.join(ROOT, 'node_modules')),
      path.join(repo, 'node_modules'),
      'dir',
    );
    run(NPM, ['run', 'build', '--silent', '--', '--quiet'], repo);
    const packs = path.join(tmp, 'packs');
    fs.mkdirSync(packs);
    run(NPM, ['pack', '--ignore-scripts', '--pack-destination', packs], repo);
    const tarballs = fs.readdirSync(packs).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);

    // An empty project; the tarball and the peers at the versions this repository tests with.
    consumer = path.join(tmp, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(
      path.join(consumer, 'package.json'),
      JSON.stringify({name: 'consumer', private: true}),
    );
    const dev = (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies;
    const specs = [
      path.join(packs, tarballs[0]),
      ...PEERS.map((p) => `${p}@${dev[p].replace(/^[\^~]/, '')}`),
    ];
    try {
      run(NPM, ['install', '--no-audit', '--no-fund', '--offline', ...specs], consumer);
    } catch {
      run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], consumer);
    }
    fs.writeFileSync(path.join(consumer, 'esm.mjs'), ESM);
    fs.writeFileSync(path.join(consumer, 'cjs.cjs'), CJS);
    fs.writeFileSync(path.join(consumer, 'iife.cjs'), IIFE);
    fs.writeFileSync(path.join(consumer, 'check.mts'), TS);
  }, 240_000);

  afterAll(() => {
    if (tmp !== '') fs.rmSync(tmp, {recursive: true, force: true});
  });

  test('ships dist/, the README and package.json only', () => {
    const files = run(
      'tar',
      ['-tzf', path.join(tmp, 'packs', fs.readdirSync(path.join(tmp, 'packs'))[0])],
      tmp,
    )
      .trim()
      .split('\n')
      .map((f) => f.replace(/^package\//, ''));
    expect(files.filter((f) => !f.startsWith('dist/')).sort()).toEqual(
      expect.arrayContaining(['README.md', 'package.json']),
    );
    expect(
      files.filter(
        (f) =>
          !f.startsWith('dist/') &&
          f !== 'bin/tfjs-handmade.js' &&
          !/^(README|LICENSE|NOTICE|package\.json)/i.test(f),
      ),
    ).toEqual([]);
    for (const f of [
      'dist/cjs/src/index.js',
      'dist/cjs/src/index.d.ts',
      'dist/esm/src/index.mjs',
      'dist/tfjs-handmade.min.js',
      'bin/tfjs-handmade.js',
      'dist/cjs/src/compare/cli.js',
      'dist/cjs/src/compare/compare_page.js',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toBe(false);
  });

  test('import from an ES module', () => {
    const out = run(process.execPath, ['esm.mjs'], consumer);
    expect(String(firstJson(out).resolved)).toMatch(/dist\/esm\/src\/index\.mjs$/);
    const r = lastJson(out);
    expectAgreement(r);
    expect(r.exports).toEqual(SOURCE_EXPORTS);
  }, 60_000);

  test('require from CommonJS', () => {
    const out = run(process.execPath, ['cjs.cjs'], consumer);
    expect(String(firstJson(out).resolved)).toMatch(/dist[/\\]cjs[/\\]src[/\\]index\.js$/);
    const r = lastJson(out);
    expectAgreement(r);
    expect(r.exports).toEqual(SOURCE_EXPORTS);
  }, 60_000);

  test('the script-tag bundle reads the global tf and adds only the global hm', () => {
    const out = run(process.execPath, ['iife.cjs'], consumer);
    const head = firstJson(out);
    expect(head.added).toEqual(['hm']);
    expect(String(head.missingTf)).toMatch(/load TensorFlow\.js/);
    expect(head.bytes as number).toBeLessThan(300_000); // no tfjs inside: tfjs-core alone is ~1 MB
    const r = lastJson(out);
    expectAgreement(r);
    expect(r.exports).toEqual(SOURCE_EXPORTS);
  }, 60_000);

  test('the installed command compares on cpu and prints JSON rows', () => {
    fs.writeFileSync(
      path.join(consumer, 'cases.json'),
      JSON.stringify([
        {kind: 'conv', x: [1, 6, 6, 4], filter: [3, 3, 2, 4], strides: 1, pad: 'same'},
        {kind: 'pool', x: [1, 6, 6, 2], filterSize: 2, strides: 2, pad: 'valid'},
      ]),
    );
    const out = run(
      NPX,
      [
        'tfjs-handmade',
        'compare',
        '--backends',
        'cpu',
        '--cases',
        'cases.json',
        '--json',
        '--repeats',
        '1',
      ],
      consumer,
    );
    const rows = JSON.parse(out.slice(out.indexOf('['))) as {kernel: string; ok: boolean}[];
    expect(rows.map((r) => r.kernel)).toEqual([
      'HandmadeConv2D',
      'HandmadeConv2DBackpropInput',
      'HandmadeConv2DBackpropFilter',
      'HandmadeFusedConv2D',
      'HandmadeMaxPoolValues',
      'HandmadeMaxPool',
      'HandmadeMaxPoolGrad',
    ]);
    expect(rows.every((r) => r.ok)).toBe(true);
  }, 60_000);

  test('types resolve through the exports map under Node module rules', () => {
    fs.writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2020',
          skipLibCheck: true,
          types: [],
        },
        files: ['check.mts'],
      }),
    );
    run(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'],
      consumer,
    );
  }, 60_000);
});
