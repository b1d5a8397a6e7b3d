// `npm run bench:models`: the model suite of model_cases.ts (MobileNetV2 1.0 and ResNet-50 at
// 224x224 for inference at batch 1, built with tf.layers and as graph models, and a LeNet training
// step at batch 16), each run with tfjs's own kernels and under installAsBuiltins(): on cpu and
// wasm in node, on webgl in pages of headless Chromium (models_page.ts), a fresh page for each
// model and each of the two, so that each first call compiles its own shaders. Per model: the
// outputs compared, the first call (shader compiles, wasm tier-up included) and the median of the
// warm calls (in node taken in rounds across the modes), and their ratios (tfjs ms / override
// ms); a model with depthwise convolutions also
// under installAsBuiltins({depthwise: false}), against which the full override must be at
// least as fast. It writes bench/models.md.
//
// Flags: --backends=cpu,wasm,webgl (default all), --models=mobilenetv2,resnet50,... (default
// all), --runs=N (timed calls, default 5), --warmup=N (untimed calls after the first, default 2),
// --out=PATH.

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {bundleForBrowser, openChromiumPage} from '../src/browser/chromium';
import {installAsBuiltins, uninstallBuiltins} from '../src/index';
import {registerHandmadeKernels} from '../src/register';
import {keptMemoryNote, withKeptMemory} from './allocator';
import {setupNodeBackend} from './backends';
import {
  type Mode,
  ModelCase,
  modelCase,
  MODELS,
  ModelTiming,
  StartedModel,
  startModel,
} from './model_cases';
import type {PageModelTiming} from './models_page';

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1e-30;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

type Backend = 'cpu' | 'wasm' | 'webgl';
const BACKENDS: Backend[] = ['cpu', 'wasm', 'webgl'];

type Timing = ModelTiming | string;

/** The modes a model is timed in: conv-only where it has depthwise convolutions. */
const modesOf = (m: ModelCase): Mode[] =>
  m.depthwise ? ['tfjs', 'override', 'conv-only'] : ['tfjs', 'override'];

/** The model timed in each of its modes, on cpu or wasm in this process: a model of its own
 *  loaded, first call timed and warmed up in each mode in turn, then the timed calls taken a
 *  round at a time, each mode in turn a round, so that every mode sees the same phases of the
 *  machine (whose speed moves by 10-30% over minutes). The kernels a call runs are looked up at
 *  the call, so switching the override between calls switches the model's kernels; each mode's
 *  turn is an untimed call, which brings its weights back into the caches that the other modes'
 *  calls took, then the timed one. */
async function timeInNode(
  backend: 'cpu' | 'wasm',
  m: ModelCase,
  runs: number,
  warmup: number,
): Promise<Timing[]> {
  await setupNodeBackend(backend);
  const modes = modesOf(m);
  const inMode = async <T>(mode: Mode, f: () => Promise<T>): Promise<T> => {
    if (mode !== 'tfjs') installAsBuiltins({depthwise: mode === 'override'});
    try {
      return await f();
    } finally {
      if (mode !== 'tfjs') uninstallBuiltins();
    }
  };
  const started: (StartedModel | string)[] = [];
  try {
    for (const mode of modes) started.push(await inMode(mode, () => startModel(m, warmup)));
    const times: number[][] = modes.map(() => []);
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < modes.length; i++) {
        const s = started[i];
        if (typeof s === 'string') continue;
        times[i].push(
          await inMode(modes[i], async () => {
            await s.timeCall();
            return s.timeCall();
          }),
        );
      }
    }
    return started.map((s, i) => {
      if (typeof s === 'string') return s;
      const sorted = times[i].sort((a, b) => a - b);
      return {firstMs: s.firstMs, medianMs: sorted[sorted.length >> 1], output: s.output};
    });
  } finally {
    for (const s of started) if (typeof s !== 'string') s.model.dispose();
  }
}

/** The model timed on webgl in each of its modes, each in a fresh page. */
async function timeInPages(
  script: string,
  m: ModelCase,
  runs: number,
  warmup: number,
): Promise<Timing[]> {
  const inPage = async (mode: Mode): Promise<Timing> => {
    const {page, errors, close} = await openChromiumPage(script);
    try {
      const t = (await page.evaluate(([name, n, w, o]) => window.hmModels.time(name, n, w, o), [
        m.name,
        runs,
        warmup,
        mode,
      ] as const)) as PageModelTiming;
      return typeof t === 'string' ? t : {...t, output: Float32Array.from(t.output)};
    } catch (e) {
      throw new Error(`${(e as Error).message} (page errors: ${errors.join('; ')})`);
    } finally {
      await close();
    }
  };
  const timings: Timing[] = [];
  for (const mode of modesOf(m)) timings.push(await inPage(mode));
  return timings;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string) => argv.find((a) => a.startsWith(`--${flag}=`))?.split('=')[1];
  const backends = (value('backends') ?? BACKENDS.join(',')).split(',') as Backend[];
  for (const b of backends) {
    if (!BACKENDS.includes(b)) throw new Error(`unknown backend '${b}' (${BACKENDS.join(', ')})`);
  }
  const models = (value('models') ?? MODELS.map((m) => m.name).join(',')).split(',').map(modelCase);
  const runs = Number(value('runs') ?? 5);
  const warmup = Number(value('warmup') ?? 2);
  const out = value('out') ?? path.join('bench', 'models.md');
  registerHandmadeKernels();
  const start = performance.now();
  const script = backends.includes('webgl')
    ? bundleForBrowser(path.resolve(__dirname, '..', '..', 'bench', 'models_page.ts'))
    : '';
  const rows: string[] = [];
  for (const backend of backends) {
    for (const m of models) {
      const [tfjs, handmade, convOnly] =
        backend === 'webgl'
          ? await timeInPages(script, m, runs, warmup)
          : await timeInNode(backend, m, runs, warmup);
      if (typeof handmade === 'string') throw new Error(`${backend} ${m.name}: ${handmade}`);
      if (typeof convOnly === 'string') throw new Error(`${backend} ${m.name}: ${convOnly}`);
      const vsConvOnly =
        convOnly == null
          ? '-'
          : `${fmt(convOnly.medianMs)} | ${(convOnly.medianMs / handmade.medianMs).toFixed(2)}x`;
      const row =
        typeof tfjs === 'string'
          ? `| ${backend} | ${m.what} | cannot run: ${tfjs} | - | ${fmt(handmade.medianMs)} | ` +
            `${fmt(handmade.firstMs)} | - | - | - | ${convOnly == null ? '- | -' : vsConvOnly} |`
          : `| ${backend} | ${m.what} | ${fmt(tfjs.medianMs)} | ${fmt(tfjs.firstMs)} | ` +
            `${fmt(handmade.medianMs)} | ${fmt(handmade.firstMs)} | ` +
            `${(tfjs.medianMs / handmade.medianMs).toFixed(2)}x | ` +
            `${(tfjs.firstMs / handmade.firstMs).toFixed(2)}x | ` +
            `${maxRelDiff(tfjs.output, handmade.output).toExponential(1)} | ` +
            `${convOnly == null ? '- | -' : vsConvOnly} |`;
      process.stderr.write(row + '\n');
      rows.push(row);
    }
  }
  const cpus = os.cpus();
  const text = [
    "# Whole models: tfjs's kernels vs installAsBuiltins()",
    '',
    `- command: \`npm run bench:models${argv.length ? ' -- ' + argv.join(' ') : ''}\` ` +
      `(${((performance.now() - start) / 60000).toFixed(1)} min)`,
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpus.length} x ${cpus[0]?.model ?? 'unknown cpu'}, node ${process.version}`,
    keptMemoryNote(),
    '- timing: the first call (on webgl its shader compiles, on wasm its tier-up included), ' +
      `then ${warmup} untimed, then the median of ${runs} more, each read back (on cpu and wasm ` +
      'taken in rounds, each mode in turn an untimed call then a timed one, the same model ' +
      'switching kernels between turns, so that the modes see the same load of the machine); ' +
      'weights seeded; on webgl ' +
      "each model and each of tfjs's kernels and the override in a fresh page of headless Chromium " +
      '(WebGL2 on SwiftShader); ratio = tfjs ms / override ms, warm and first; diff = the ' +
      "largest difference of the outputs (the training step's loss) relative to the largest " +
      'output; conv-only = installAsBuiltins({depthwise: false}), the depthwise convolutions ' +
      "left to tfjs's kernels (models with depthwise convolutions), and its ratio = conv-only ms " +
      '/ override ms',
    '',
    '| backend | model | tfjs ms | tfjs first ms | override ms | override first ms | ratio | ' +
      'first ratio | diff | conv-only ms | vs conv-only |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  fs.writeFileSync(out, text);
  process.stderr.write(`wrote ${out}\n`);
}

withKeptMemory();
main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
