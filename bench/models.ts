// `npm run bench:models`: whole models built with tf.layers from seeded weights, each run with
// tfjs's own kernels and under installAsBuiltins(), on the cpu and wasm backends in node:
// MobileNetV2 1.0 and ResNet-50 at 224x224 for inference at batch 1, and a LeNet training step at
// batch 16. Per model: the outputs compared, the first call (wasm tier-up included) and the
// median of the warm calls, and their ratio (tfjs ms / override ms). It writes bench/models.md.
//
// Flags: --backends=cpu,wasm (default both), --models=mobilenetv2,resnet50,lenet-train, --runs=N,
// --out=PATH.

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {installAsBuiltins, seededRandom, uninstallBuiltins} from '../src/index';
import {registerHandmadeKernels} from '../src/register';
import {setupNodeBackend} from './backends';

type Sym = tfl.SymbolicTensor;

/** Sets every weight of a model from one seeded stream (uniform, scaled by fan-in). */
function seedWeights(model: tfl.LayersModel, seed: number): void {
  const next = seededRandom(seed);
  for (const w of model.weights) {
    const values = w.read();
    const shape = values.shape;
    const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
    const scale = Math.sqrt(3 / fanIn);
    w.write(
      tf.tensor(
        Float32Array.from({length: values.size}, () => (2 * next() - 1) * scale),
        shape,
      ),
    );
  }
}

/** MobileNetV2 1.0 (224): the published layer table, BatchNorm folded into the biases. */
function mobilenetV2(): tfl.LayersModel {
  const input = tfl.input({shape: [224, 224, 3]});
  const conv = (x: Sym, filters: number, k: number, strides: number, relu6: boolean) => {
    const y = tfl.layers.conv2d({filters, kernelSize: k, strides, padding: 'same'}).apply(x);
    return (relu6 ? tfl.layers.reLU({maxValue: 6}).apply(y) : y) as Sym;
  };
  const depthwise = (x: Sym, strides: number) =>
    tfl.layers
      .reLU({maxValue: 6})
      .apply(tfl.layers.depthwiseConv2d({kernelSize: 3, strides, padding: 'same'}).apply(x)) as Sym;
  let x = conv(input, 32, 3, 2, true);
  let channels = 32;
  // (expansion t, output channels, repeats, first stride)
  const blocks = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  for (const [t, out, repeats, stride] of blocks) {
    for (let i = 0; i < repeats; i++) {
      let y = t === 1 ? x : conv(x, channels * t, 1, 1, true);
      y = conv(depthwise(y, i === 0 ? stride : 1), out, 1, 1, false);
      x = i > 0 ? (tfl.layers.add().apply([x, y]) as Sym) : y;
      channels = out;
    }
  }
  x = conv(x, 1280, 1, 1, true);
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as Sym;
  return tfl.model({inputs: input, outputs: tfl.layers.dense({units: 1000}).apply(x) as Sym});
}

/** ResNet-50 (224): the published layer table, a stage's stride on its first 1x1. */
function resnet50(): tfl.LayersModel {
  const input = tfl.input({shape: [224, 224, 3]});
  const conv = (x: Sym, filters: number, k: number, strides: number, relu: boolean) =>
    tfl.layers
      .conv2d({
        filters,
        kernelSize: k,
        strides,
        padding: 'same',
        activation: relu ? 'relu' : 'linear',
      })
      .apply(x) as Sym;
  let x = conv(input, 64, 7, 2, true);
  x = tfl.layers.maxPooling2d({poolSize: 3, strides: 2, padding: 'same'}).apply(x) as Sym;
  for (const [filters, repeats, stride] of [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ]) {
    for (let i = 0; i < repeats; i++) {
      const s = i === 0 ? stride : 1;
      const y = conv(
        conv(conv(x, filters, 1, s, true), filters, 3, 1, true),
        4 * filters,
        1,
        1,
        false,
      );
      const shortcut = i === 0 ? conv(x, 4 * filters, 1, s, false) : x;
      const sum = tfl.layers.add().apply([y, shortcut]);
      x = tfl.layers.activation({activation: 'relu'}).apply(sum) as Sym;
    }
  }
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as Sym;
  return tfl.model({inputs: input, outputs: tfl.layers.dense({units: 1000}).apply(x) as Sym});
}

/** The MNIST LeNet of examples/mnist, compiled for training. */
function lenet(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 5,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.maxPooling2d({poolSize: 2, strides: 2}),
      tfl.layers.conv2d({filters: 16, kernelSize: 5, padding: 'same', activation: 'relu'}),
      tfl.layers.maxPooling2d({poolSize: 2, strides: 2}),
      tfl.layers.flatten(),
      tfl.layers.dense({units: 10, activation: 'softmax'}),
    ],
  });
  model.compile({optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy'});
  return model;
}

interface ModelCase {
  name: string;
  what: string;
  build(): tfl.LayersModel;
  /** One call of the model's job; returns the output to compare (read back). */
  run(model: tfl.LayersModel): Promise<Float32Array>;
}

const image = () =>
  tf.tensor(Float32Array.from({length: 224 * 224 * 3}, seededRandom(11)), [1, 224, 224, 3]);

function inference(name: string, what: string, build: () => tfl.LayersModel): ModelCase {
  return {
    name,
    what,
    build,
    run: async (model) => {
      const x = image();
      const y = model.predict(x) as tf.Tensor;
      const values = (await y.data()) as Float32Array;
      tf.dispose([x, y]);
      return values;
    },
  };
}

const MODELS: ModelCase[] = [
  inference('mobilenetv2', 'MobileNetV2 1.0, 224x224, batch 1, inference', mobilenetV2),
  inference('resnet50', 'ResNet-50, 224x224, batch 1, inference', resnet50),
  {
    name: 'lenet-train',
    what: 'LeNet (MNIST), batch 16, one SGD step (trainOnBatch)',
    build: lenet,
    run: async (model) => {
      const next = seededRandom(12);
      const xs = tf.tensor(Float32Array.from({length: 16 * 28 * 28}, next), [16, 28, 28, 1]);
      const labels = Int32Array.from({length: 16}, (_, i) => i % 10);
      const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      const loss = (await model.trainOnBatch(xs, ys)) as number;
      tf.dispose([xs, ys]);
      return Float32Array.of(loss);
    },
  },
];

interface Timing {
  firstMs: number;
  medianMs: number;
  output: Float32Array;
}

/** The first call, then the median of `runs` more; null where tfjs's kernels cannot run it. */
async function timeModel(c: ModelCase, runs: number): Promise<Timing | string> {
  const model = c.build();
  seedWeights(model, 5);
  try {
    let start = performance.now();
    const output = await c.run(model);
    const firstMs = performance.now() - start;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      start = performance.now();
      await c.run(model);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return {firstMs, medianMs: times[times.length >> 1], output};
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  } finally {
    model.dispose();
  }
}

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

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string) => argv.find((a) => a.startsWith(`--${flag}=`))?.split('=')[1];
  const backends = (value('backends') ?? 'cpu,wasm').split(',');
  for (const b of backends) {
    if (b !== 'cpu' && b !== 'wasm') throw new Error(`unknown backend '${b}' (cpu, wasm)`);
  }
  const names = (value('models') ?? MODELS.map((m) => m.name).join(',')).split(',');
  const models = names.map((n) => {
    const m = MODELS.find((c) => c.name === n);
    if (m == null)
      throw new Error(`unknown model '${n}' (${MODELS.map((c) => c.name).join(', ')})`);
    return m;
  });
  const runs = Number(value('runs') ?? 5);
  const out = value('out') ?? path.join('bench', 'models.md');
  registerHandmadeKernels();
  const start = performance.now();
  const rows: string[] = [];
  for (const backend of backends as ('cpu' | 'wasm')[]) {
    await setupNodeBackend(backend);
    for (const m of models) {
      const tfjs = await timeModel(m, runs);
      installAsBuiltins();
      let handmade: Timing | string;
      try {
        handmade = await timeModel(m, runs);
      } finally {
        uninstallBuiltins();
      }
      if (typeof handmade === 'string') throw new Error(`${backend} ${m.name}: ${handmade}`);
      const row =
        typeof tfjs === 'string'
          ? `| ${backend} | ${m.what} | cannot run: ${tfjs} | - | ${fmt(handmade.medianMs)} | ${fmt(handmade.firstMs)} | - | - |`
          : `| ${backend} | ${m.what} | ${fmt(tfjs.medianMs)} | ${fmt(tfjs.firstMs)} | ` +
            `${fmt(handmade.medianMs)} | ${fmt(handmade.firstMs)} | ` +
            `${(tfjs.medianMs / handmade.medianMs).toFixed(2)}x | ` +
            `${maxRelDiff(tfjs.output, handmade.output).toExponential(1)} |`;
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
    `- timing: the first call (wasm tier-up included), then the median of ${runs} more, each ` +
      'read back; weights seeded; ratio = tfjs ms / override ms; diff = the largest difference ' +
      "of the outputs (the training step's loss) relative to the largest output",
    '',
    '| backend | model | tfjs ms | tfjs first ms | override ms | override first ms | ratio | diff |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  fs.writeFileSync(out, text);
  process.stderr.write(`wrote ${out}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
