// `npm run bench`: the harness of src/compare (hm.compare's) on the reference shapes and the
// inference cases (pretrained models' layers at batch 1): each
// handmade kernel checked against the float64 reference and the built-in kernel of the same job,
// then timed against that built-in on the same backend, in the same process: cpu and wasm here in
// node, webgl in a page of headless Chromium (WebGL2 on SwiftShader). What is the bench's own is
// the report: it writes bench/results.md; `--json` prints the rows as one JSON array on stdout,
// progress on stderr.
//
// Flags: --backends=cpu,cpu-scalar,webgl,wasm,wasm-scalar (default all but wasm-scalar; the
// -scalar ones run the host kernels on their scalar path), --set=reference,inference,depthwise
// (default reference), --only=c1,p2 (case ids),
// --kernels=HandmadeConv2D,... (handmade kernel names), --quick (3 runs, 1 s cap, skips the cpu
// built-in Conv2DBackpropFilter where it would take tens of seconds), --runs=N, --cap=SECONDS,
// --json, --out=PATH.
//
// It runs as an esbuild bundle made with --main-fields=module,main, so tfjs resolves to its ESM
// builds: tfjs-backend-cpu's CommonJS build is 2-4x slower for Conv2DBackpropFilter and
// MaxPoolGrad, and the faster build is the one to beat. The bundle's metafile says which build
// went in, and the report repeats it.

import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import * as names from '../kernels/names';
import {setHostPath} from '../kernels/simd/runtime';
import {bundleForBrowser, openChromiumPage} from '../src/browser/chromium';
import {compareActiveBackend, CompareRow} from '../src/compare/compare';
import {QUEUED_CALLS} from '../src/compare/timing';
import {registerHandmadeKernels} from '../src/register';
import {keptMemoryNote, withKeptMemory} from './allocator';
import {
  ALL_BACKENDS,
  BenchBackendName,
  DEFAULT_BACKENDS,
  nodeBackendOf,
  setupNodeBackend,
} from './backends';
import type {PageBenchInfo} from './page';
import {
  benchOptions,
  BenchSelection,
  CASE_SETS,
  CaseSet,
  casesOf,
  selectedCases,
} from './selection';

type Row = CompareRow;

interface Options extends BenchSelection {
  json: boolean;
  backends: BenchBackendName[];
  out: string;
}

function parseArgs(argv: string[]): Options {
  const value = (flag: string) => argv.find((a) => a.startsWith(`--${flag}=`))?.split('=')[1];
  const list = (flag: string) =>
    value(flag)
      ?.split(',')
      .filter((s) => s !== '') ?? null;
  const quick = argv.includes('--quick');
  const backends = [...new Set(list('backends') ?? DEFAULT_BACKENDS)] as BenchBackendName[];
  for (const b of backends) {
    if (!ALL_BACKENDS.includes(b))
      throw new Error(`unknown backend '${b}' (${ALL_BACKENDS.join(', ')})`);
  }
  const sets = (list('set') ?? ['reference']) as CaseSet[];
  for (const set of sets) {
    if (!CASE_SETS.includes(set)) throw new Error(`unknown set '${set}' (${CASE_SETS.join(', ')})`);
  }
  const kernels = list('kernels');
  for (const k of kernels ?? []) {
    if (!(names.KERNEL_NAMES as readonly string[]).includes(k))
      throw new Error(`unknown kernel '${k}'`);
  }
  return {
    quick,
    sets,
    json: argv.includes('--json'),
    runs: Number(value('runs') ?? (quick ? 3 : 5)),
    capMs: 1000 * Number(value('cap') ?? (quick ? 1 : 5)),
    only: list('only'),
    kernels,
    backends,
    out: value('out') ?? path.join('bench', 'results.md'),
  };
}

export function fmt(x: number | null, digits = 2): string {
  if (x == null) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(digits);
}

function progressLine(r: Row): string {
  return (
    `${r.backend} ${r.case} ${r.kernel.padEnd(30)} ${fmt(r.handmadeMs, 3).padStart(8)} ms` +
    `${r.handmadeRuns === 1 ? ' (1 run)' : ''}` +
    ` vs ${fmt(r.builtinMs, 3).padStart(8)} ms${r.builtinRuns === 1 ? ' (1 run)' : ''}` +
    `  ratio ${r.ratio == null ? '-' : fmt(r.ratio) + 'x'}` +
    (r.gflops ? `  ${fmt(r.gflops.handmade)} GFLOP/s` : '') +
    (r.ok ? '' : '  CHECK FAILED')
  );
}

function bundledCpuBuild(): string {
  const meta = path.join(__dirname, 'meta.json');
  if (!fs.existsSync(meta)) return 'unknown (no esbuild metafile next to the bundle)';
  const inputs = Object.keys(JSON.parse(fs.readFileSync(meta, 'utf8')).inputs as object);
  const cpu = inputs.filter((f) => f.includes('tfjs-backend-cpu/dist/'));
  if (cpu.some((f) => f.endsWith('tf-backend-cpu.node.js')))
    return 'CommonJS (tf-backend-cpu.node.js)';
  if (cpu.some((f) => f.endsWith('dist/index.js'))) return 'ESM (dist/index.js and its modules)';
  return 'unknown';
}

const MAX_POOL_ROWS =
  "HandmadeMaxPoolValues does the job of tfjs's MaxPool (y alone; it is " +
  'what MaxPool runs under installAsBuiltins) and carries the max-pool targets; ' +
  'HandmadeMaxPool, the training forward, also writes the argmax its gradient reads.';

const BACKEND_NOTES: Record<BenchBackendName, string> = {
  cpu:
    "in node; the built-ins are tfjs-backend-cpu's; the handmade kernels on their " +
    'WebAssembly SIMD path (the default). ' +
    MAX_POOL_ROWS,
  'cpu-scalar':
    'the cpu backend again, the handmade kernels on their scalar TypeScript path ' +
    "(hm.setHostPath('scalar')), for comparison with the SIMD rows. No speed targets.",
  wasm:
    "in node; the built-ins are tfjs-backend-wasm's (XNNPACK, one thread); it has no " +
    'Conv2DBackpropFilter, and its MaxPoolGrad routes windows whose maximum is <= 0 wrongly ' +
    '(ARCHITECTURE.md), so that ratio is against a kernel that is not correct. ' +
    MAX_POOL_ROWS,
  'wasm-scalar':
    'the wasm backend again, the handmade kernels on their scalar path. No speed ' + 'targets.',
  webgl:
    'in headless Chromium, WebGL2 on SwiftShader (software, on the CPU cores); the ' +
    "built-ins are tfjs-backend-webgl's; a sample of 4 or more calls counts until dataSync " +
    "has the last one's values. No target for the forward max pool.",
};

const INFERENCE_NOTE =
  "pretrained models' convolutions at batch 1 (src/compare/cases.ts: every distinct one of " +
  "MobileNetV2 1.0 and ResNet-50 at 224x224, and ResNet-50's max pool), each as the fused " +
  "convolution with bias and the activation the model uses, against tfjs's FusedConv2D.";

const DEPTHWISE_NOTE =
  "MobileNetV2's depthwise convolutions (src/compare/cases.ts: every distinct one, 3x3 'same', " +
  "at batch 1 and 8), every job against tfjs's depthwise kernel of the same job " +
  '(DepthwiseConv2dNative, its two backprops, FusedDepthwiseConv2D with bias and relu6).';

function backendTable(
  backend: BenchBackendName,
  rows: Row[],
  opts: Options,
  set: CaseSet,
): string[] {
  // The targets are for the SIMD host kernels and webgl; the -scalar rows are for comparison.
  const scalar = backend.endsWith('-scalar');
  const inference = set !== 'reference';
  const lines = [
    {
      reference: `## ${backend}`,
      inference: `## ${backend}: inference at batch 1`,
      depthwise: `## ${backend}: depthwise convolutions, batch 1 and 8`,
    }[set],
    '',
    {reference: BACKEND_NOTES[backend], inference: INFERENCE_NOTE, depthwise: DEPTHWISE_NOTE}[set],
    '',
    '| case | shape | kernel | built-in | handmade ms | built-in ms | handmade GFLOP/s | ' +
      'built-in GFLOP/s | ratio | target | |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const capped: string[] = [];
  for (const r of rows) {
    const single = r.builtinRuns === 1 ? ' (1 run)' : '';
    const hmSingle = r.handmadeRuns === 1 ? ' (1 run)' : '';
    if (r.handmadeRuns === 1) capped.push(`${r.case} ${r.kernel}`);
    if (r.builtinRuns === 1) capped.push(`${r.case} ${r.builtin}`);
    const target = scalar ? null : r.target;
    const met = r.ratio == null || target == null ? '' : r.ratio >= target ? 'met' : 'NOT met';
    const builtinMs =
      r.builtinMissing === 'absent'
        ? 'none'
        : r.builtinMissing === 'skipped'
          ? 'skipped'
          : fmt(r.builtinMs, 3) + single;
    lines.push(
      `| ${r.case} | ${r.shape} | ${r.kernel} | ${r.builtin ?? '(none)'} | ` +
        `${fmt(r.handmadeMs, 3)}${hmSingle} | ${builtinMs} | ${fmt(r.gflops?.handmade ?? null)} | ` +
        `${fmt(r.gflops?.builtin ?? null)} | ${r.ratio == null ? '-' : fmt(r.ratio) + 'x'}` +
        `${single || hmSingle} | ${target == null ? '-' : target + 'x'} | ${met} |`,
    );
  }
  lines.push('');
  if (inference) {
    const ratios = rows.flatMap((r) => (r.ratio == null ? [] : [r.ratio]));
    const slower = rows.filter((r) => r.ratio != null && r.ratio < 1).map((r) => r.case);
    if (ratios.length > 0) {
      lines.push(
        `Ratios ${fmt(Math.min(...ratios))}x to ${fmt(Math.max(...ratios))}x; ` +
          (slower.length === 0
            ? 'none below 1.0x.'
            : `${slower.length} of ${ratios.length} below 1.0x: ${slower.join(', ')}.`),
      );
    }
  }
  lines.push(
    capped.length
      ? `Calls over the cap of ${opts.capMs / 1000} s, timed by their ` +
          `${backend === 'webgl' ? 'second call (after the one that compiled)' : 'first call'} alone ` +
          `(their ratio is from a single run): ${capped.join(', ')}.`
      : 'No call was over the cap.',
  );
  const skipped = rows
    .filter((r) => r.builtinMissing === 'skipped')
    .map((r) => `${r.case} ${r.kernel}`);
  if (skipped.length) lines.push(`Skipped built-in calls (--quick): ${skipped.join(', ')}.`);
  const failed = rows.filter((r) => !r.ok).map((r) => `${r.case} ${r.kernel}`);
  lines.push(
    failed.length === 0
      ? `Every row was checked first against the float64 reference and the built-in: all within ` +
          'tolerance.'
      : `CHECK FAILED (past the tolerance against the reference or the built-in): ${failed.join(', ')}.`,
  );
  lines.push('');
  return lines;
}

function markdown(
  rows: Row[],
  opts: Options,
  command: string,
  build: string,
  page: PageBenchInfo | null,
  seconds: number,
): string {
  const cpus = os.cpus();
  const lines = [
    '# Handmade kernels vs tfjs built-ins',
    '',
    `- command: \`${command}\` (${(seconds / 60).toFixed(1)} min)`,
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpus.length} x ${cpus[0]?.model ?? 'unknown cpu'}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.arch()}`,
    `- node ${process.version}, @tensorflow/tfjs-core ${tf.version_core}`,
    `- tfjs-backend-cpu build compared against: ${build}; bundled with esbuild ` +
      '--main-fields=module,main',
  ];
  lines.push(keptMemoryNote());
  if (page != null) {
    lines.push(
      `- webgl: ${page.userAgent}; renderer ${page.renderer}; float32 render targets: ` +
        `${page.renderFloat32}`,
    );
  }
  lines.push(
    `- timing: warm-up (on webgl it compiles the shaders), then the median of >= ${opts.runs} ` +
      'samples of each kernel through tf.engine().runKernel, each call read back with dataSync ' +
      "(its first output: the handmade max pool's argmax stays on the backend, as in " +
      'training; a sample is several calls of a kernel under 1 ms; more samples for fast ' +
      'kernels, up to 0.5 s each; on webgl a sample queues at least ' +
      `${QUEUED_CALLS} calls and reads back the last, which waits for them all, as a model ` +
      "reads back its output and not each layer's); handmade and built-in samples alternate " +
      'so that both see ' +
      `the same machine load; a kernel whose first call is over ${opts.capMs / 1000} s ` +
      'is timed by one call alone (marked *1 run*): on webgl its second, the first having ' +
      'compiled the shaders, elsewhere its first; the same code (src/compare/timing.ts, ' +
      "hm.compare's) runs in node and in the page",
    '- checked: before it is timed, each kernel is checked against the float64 reference (on ' +
      'the first image) and the built-in (src/compare/jobs.ts), as hm.compare does',
    '- ratio = builtinMs / handmadeMs; GFLOP/s = 2·N·Ho·Wo·Co·Kh·Kw·Ci / time',
    '',
  );
  for (const backend of opts.backends) {
    for (const set of CASE_SETS) {
      const inSet = new Set(casesOf(set).map((c) => c.name));
      const part = rows.filter((r) => r.backend === backend && inSet.has(r.case));
      if (part.length > 0) lines.push(...backendTable(backend, part, opts, set));
    }
  }
  return lines.join('\n');
}

/** Runs the timing in a page of headless Chromium on the webgl backend. */
async function benchWebgl(
  opts: Options,
  onRow: (r: Row) => void,
): Promise<{rows: Row[]; info: PageBenchInfo}> {
  const {page, errors, close} = await openChromiumPage(
    bundleForBrowser(path.resolve(__dirname, '..', '..', 'bench', 'page.ts')),
  );
  try {
    await page.exposeFunction('hmBenchRow', (row: Row) => onRow(row));
    const selection: BenchSelection = {
      quick: opts.quick,
      sets: opts.sets,
      runs: opts.runs,
      capMs: opts.capMs,
      only: opts.only,
      kernels: opts.kernels,
    };
    return await page
      .evaluate((o) => window.hmBench.run(o), selection)
      .catch((e: Error) => {
        throw new Error(
          `${e.message}${errors.length > 0 ? ` (page errors: ${errors.join('; ')})` : ''}`,
        );
      });
  } finally {
    await close();
  }
}

async function main(): Promise<void> {
  const start = performance.now();
  const opts = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(s + '\n');
  registerHandmadeKernels();
  const build = bundledCpuBuild();
  log(`tfjs-backend-cpu build: ${build}`);
  const rows: Row[] = [];
  let pageInfo: PageBenchInfo | null = null;
  for (const backend of opts.backends) {
    if (backend === 'webgl') {
      const result = await benchWebgl(opts, (r) => {
        log(progressLine(r));
      });
      rows.push(...result.rows);
      pageInfo = result.info;
    } else {
      const {tfjs, hostPath} = nodeBackendOf(backend);
      await setupNodeBackend(tfjs);
      setHostPath(hostPath);
      rows.push(
        ...(await compareActiveBackend(selectedCases(opts), benchOptions(opts), (r) => {
          r.backend = backend;
          log(progressLine(r));
        })),
      );
      setHostPath('simd');
    }
  }
  const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
  const seconds = (performance.now() - start) / 1000;
  fs.writeFileSync(opts.out, markdown(rows, opts, command, build, pageInfo, seconds));
  log(`wrote ${opts.out} (${seconds.toFixed(0)} s)`);
  if (opts.json) {
    process.stdout.write(
      JSON.stringify(
        rows.map((r) => ({
          backend: r.backend,
          kernel: r.kernel,
          shape: r.shape,
          handmadeMs: r.handmadeMs,
          builtinMs: r.builtinMs,
          ratio: r.ratio,
        })),
      ) + '\n',
    );
  }
}

withKeptMemory();
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
