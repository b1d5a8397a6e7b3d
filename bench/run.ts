// `npm run bench`: times each handmade kernel against the built-in kernel of the same job, on the
// same backend, in the same process, through tf.engine().runKernel. Warm-up, then the median of
// repeated calls, each read back with dataSync. Writes bench/results.md; `--json` prints the rows.
//
// Flags: --quick (3 runs, 1 s cap, skips the built-in Conv2DBackpropFilter where it would take
// tens of seconds), --json, --runs=N, --cap=SECONDS, --only=c1,p2, --out=PATH.
//
// It runs as an esbuild bundle made with --main-fields=module,main, so tfjs resolves to its ESM
// builds: tfjs-backend-cpu's CommonJS build is 2-4x slower for Conv2DBackpropFilter and
// MaxPoolGrad, and the faster build is the one to beat. The bundle's metafile says which build
// went in, and the report repeats it.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type {Tensor} from '@tensorflow/tfjs-core';
import {registerHandmadeKernels} from '../src/register';
import * as names from '../kernels/names';
import {BENCH_BACKENDS} from './backends';
import {CASES, KernelCall, KernelPair, kernelPairs} from './cases';

interface Options {
  quick: boolean;
  json: boolean;
  runs: number;
  capMs: number;
  only: string[] | null;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const value = (flag: string) => argv.find((a) => a.startsWith(`--${flag}=`))?.split('=')[1];
  const quick = argv.includes('--quick');
  return {
    quick,
    json: argv.includes('--json'),
    runs: Number(value('runs') ?? (quick ? 3 : 5)),
    capMs: 1000 * Number(value('cap') ?? (quick ? 1 : 5)),
    only: value('only')?.split(',') ?? null,
    out: value('out') ?? path.join('bench', 'results.md'),
  };
}

/** The speed targets (builtinMs / handmadeMs) of the cpu kernels. */
const TARGET_RATIO: Record<string, number> = {
  [names.HandmadeConv2D]: 4,
  [names.HandmadeConv2DBackpropInput]: 3,
  [names.HandmadeConv2DBackpropFilter]: 40,
  [names.HandmadeMaxPool]: 2,
  [names.HandmadeMaxPoolGrad]: 10,
};

interface Timing {
  ms: number;
  /** Timed calls behind the median; 1 when the call was over the cap. */
  runs: number;
}

/** One call, read back: the time from the call to its outputs' values being on the host. */
function callOnce(call: KernelCall): number {
  const t0 = performance.now();
  const out = tf.engine().runKernel(call.kernelName, call.inputs, call.attrs) as Tensor | Tensor[];
  const outs = Array.isArray(out) ? out : [out];
  for (const t of outs) t.dataSync();
  const ms = performance.now() - t0;
  for (const t of outs) t.dispose();
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Warm-up, then the median of at least `runs` calls of each kernel (more for fast kernels, up
 *  to half a second each). The handmade and built-in calls alternate, so that both see the same
 *  machine load. A built-in call whose warm-up exceeds the cap is timed by that call alone. */
function timePair(handmade: KernelCall, builtin: KernelCall | null, opts: Options):
    {handmade: Timing; builtin: Timing | null} {
  const hmSamples: number[] = [];
  const biSamples: number[] = [];
  let warm = callOnce(handmade);
  for (let i = 0; i < 3 && warm < 300; i++) warm += callOnce(handmade);
  let biSingle: number | null = null;
  if (builtin != null) {
    const first = callOnce(builtin);
    if (first > opts.capMs) {
      biSingle = first;
    } else {
      let biWarm = first;
      for (let i = 0; i < 2 && biWarm < 300; i++) biWarm += callOnce(builtin);
    }
  }
  const timeBuiltin = builtin != null && biSingle == null;
  let hmSpent = 0;
  let biSpent = 0;
  const enough = (samples: number[], spent: number) =>
      samples.length >= opts.runs && (spent >= 500 || samples.length >= 50);
  while (!enough(hmSamples, hmSpent) || (timeBuiltin && !enough(biSamples, biSpent))) {
    if (!enough(hmSamples, hmSpent)) hmSpent += push(hmSamples, callOnce(handmade));
    if (timeBuiltin && !enough(biSamples, biSpent)) biSpent += push(biSamples, callOnce(builtin!));
  }
  return {
    handmade: {ms: median(hmSamples), runs: hmSamples.length},
    builtin: biSingle != null ? {ms: biSingle, runs: 1} :
        timeBuiltin ? {ms: median(biSamples), runs: biSamples.length} : null,
  };
}

function push(samples: number[], ms: number): number {
  samples.push(ms);
  return ms;
}

interface Row {
  backend: string;
  kernel: string;
  shape: string;
  handmadeMs: number;
  builtinMs: number | null;
  ratio: number | null;
  caseId: string;
  builtinKernel: string;
  gflops: {handmade: number; builtin: number | null} | null;
  handmadeRuns: number;
  builtinRuns: number;
}

/** In --quick mode, the built-in Conv2DBackpropFilter is skipped where it runs > ~10 s
 *  (it reaches about 0.04 GFLOP/s). */
function skipBuiltin(p: KernelPair, opts: Options): boolean {
  return opts.quick && p.kernel === names.HandmadeConv2DBackpropFilter && p.flops > 0.4e9;
}

function fmt(x: number | null, digits = 2): string {
  if (x == null) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(digits);
}

function bundledCpuBuild(): string {
  const meta = path.join(__dirname, 'meta.json');
  if (!fs.existsSync(meta)) return 'unknown (no esbuild metafile next to the bundle)';
  const inputs = Object.keys(JSON.parse(fs.readFileSync(meta, 'utf8')).inputs as object);
  const cpu = inputs.filter((f) => f.includes('tfjs-backend-cpu/dist/'));
  if (cpu.some((f) => f.endsWith('tf-backend-cpu.node.js'))) return 'CommonJS (tf-backend-cpu.node.js)';
  if (cpu.some((f) => f.endsWith('dist/index.js'))) return 'ESM (dist/index.js and its modules)';
  return 'unknown';
}

function markdown(rows: Row[], opts: Options, command: string, build: string): string {
  const cpus = os.cpus();
  const lines = [
    '# Handmade kernels vs tfjs built-ins',
    '',
    `- command: \`${command}\``,
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpus.length} x ${cpus[0]?.model ?? 'unknown cpu'}, ` +
        `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.arch()}`,
    `- node ${process.version}, @tensorflow/tfjs-core ${tf.version_core}`,
    `- tfjs-backend-cpu build compared against: ${build}; bundled with esbuild ` +
        '--main-fields=module,main',
    `- timing: warm-up, then the median of >= ${opts.runs} calls of each kernel through ` +
        'tf.engine().runKernel, each read back with dataSync (more calls for fast kernels, ' +
        'up to 0.5 s each); handmade and built-in calls alternate so that both see the same ' +
        `machine load; a built-in call over ${opts.capMs / 1000} s is timed once (marked *1 run*)`,
    '- ratio = builtinMs / handmadeMs; GFLOP/s = 2·N·Ho·Wo·Co·Kh·Kw·Ci / time',
    '',
    '| backend | case | shape | kernel | built-in | handmade ms | built-in ms | handmade GFLOP/s | ' +
        'built-in GFLOP/s | ratio | target | |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const capped: string[] = [];
  for (const r of rows) {
    const single = r.builtinRuns === 1 ? ' (1 run)' : '';
    if (r.builtinRuns === 1) capped.push(`${r.caseId} ${r.builtinKernel}`);
    const target = TARGET_RATIO[r.kernel];
    const met = r.ratio == null ? '' : r.ratio >= target ? 'met' : 'NOT met';
    lines.push(`| ${r.backend} | ${r.caseId} | ${r.shape} | ${r.kernel} | ${r.builtinKernel} | ` +
               `${fmt(r.handmadeMs, 3)} | ${r.builtinMs == null ? 'skipped' : fmt(r.builtinMs, 3)}` +
               `${single} | ${fmt(r.gflops?.handmade ?? null)} | ${fmt(r.gflops?.builtin ?? null)} | ` +
               `${r.ratio == null ? '-' : fmt(r.ratio) + 'x'}${single} | ${target}x | ${met} |`);
  }
  lines.push('');
  lines.push(capped.length ?
      `Built-in calls over the cap, timed once (their ratio is from a single run): ${capped.join(', ')}.` :
      'No call was over the cap.');
  const skipped = rows.filter((r) => r.builtinMs == null).map((r) => `${r.caseId} ${r.builtinKernel}`);
  if (skipped.length) lines.push(`Skipped built-in calls (--quick): ${skipped.join(', ')}.`);
  lines.push('');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(s + '\n');
  registerHandmadeKernels();
  const build = bundledCpuBuild();
  log(`tfjs-backend-cpu build: ${build}`);
  const rows: Row[] = [];
  for (const backend of BENCH_BACKENDS) {
    await backend.setup();
    for (const c of CASES) {
      if (opts.only != null && !opts.only.includes(c.id)) continue;
      for (const p of kernelPairs(c)) {
        const t = timePair(p.handmade, skipBuiltin(p, opts) ? null : p.builtin, opts);
        const hm = t.handmade;
        const bi = t.builtin;
        const gf = (ms: number) => p.flops / ms / 1e6;
        const row: Row = {
          backend: backend.name, kernel: p.kernel, shape: p.shape, caseId: p.caseId,
          builtinKernel: p.builtin.kernelName,
          handmadeMs: hm.ms, builtinMs: bi?.ms ?? null,
          ratio: bi == null ? null : bi.ms / hm.ms,
          gflops: p.flops ? {handmade: gf(hm.ms), builtin: bi == null ? null : gf(bi.ms)} : null,
          handmadeRuns: hm.runs, builtinRuns: bi?.runs ?? 0,
        };
        rows.push(row);
        log(`${backend.name} ${p.caseId} ${p.kernel.padEnd(30)} ${fmt(hm.ms, 3).padStart(8)} ms` +
            ` vs ${fmt(row.builtinMs, 3).padStart(8)} ms${bi?.runs === 1 ? ' (1 run)' : ''}` +
            `  ratio ${row.ratio == null ? '-' : fmt(row.ratio) + 'x'}` +
            (row.gflops ? `  ${fmt(row.gflops.handmade)} GFLOP/s` : ''));
      }
    }
  }
  const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
  fs.writeFileSync(opts.out, markdown(rows, opts, command, build));
  log(`wrote ${opts.out}`);
  if (opts.json) {
    process.stdout.write(JSON.stringify(rows.map((r) => ({
      backend: r.backend, kernel: r.kernel, shape: r.shape, handmadeMs: r.handmadeMs,
      builtinMs: r.builtinMs, ratio: r.ratio,
    }))) + '\n');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
