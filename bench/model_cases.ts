// The model suite of `npm run bench:models`, shared by node (cpu, wasm) and the page (webgl):
// whole models from seeded weights, MobileNetV2 1.0 and ResNet-50 at 224x224 for inference at
// batch 1, built with tf.layers and as graph models (graph_models.ts, run by tfjs-converter's
// graph executor), and training steps at batch 16 of LeNet and a small ResNet; and their timing,
// the first call (shader compiles or wasm tier-up included) and the median of warm calls.

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {installAsBuiltins, seededRandom, uninstallBuiltins} from '../src/index';
import {loadGraph, mobilenetV2Graph, RESNET50_STAGES, resnet50Graph} from './graph_models';

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

/** A 'same'-padded convolution layer with bias, and relu or no activation. */
function convLayer(x: Sym, filters: number, k: number, strides: number, relu: boolean): Sym {
  return tfl.layers
    .conv2d({
      filters,
      kernelSize: k,
      strides,
      padding: 'same',
      activation: relu ? 'relu' : 'linear',
    })
    .apply(x) as Sym;
}

/** ResNet-50 (224): the published layer table, a stage's stride on its first 1x1. */
function resnet50(): tfl.LayersModel {
  const input = tfl.input({shape: [224, 224, 3]});
  let x = convLayer(input, 64, 7, 2, true);
  x = tfl.layers.maxPooling2d({poolSize: 3, strides: 2, padding: 'same'}).apply(x) as Sym;
  for (const [filters, repeats, stride] of RESNET50_STAGES) {
    for (let i = 0; i < repeats; i++) {
      const s = i === 0 ? stride : 1;
      const y = convLayer(
        convLayer(convLayer(x, filters, 1, s, true), filters, 3, 1, true),
        4 * filters,
        1,
        1,
        false,
      );
      const shortcut = i === 0 ? convLayer(x, 4 * filters, 1, s, false) : x;
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

/** A small ResNet for 32x32 images (CIFAR-10's shape), compiled for training: a 3x3 stem and a
 *  max pool, then three stages of two residual blocks (16, 32, 64 channels; a stage's first
 *  block strided, with a 1x1 shortcut). */
function smallResnet(): tfl.LayersModel {
  const input = tfl.input({shape: [32, 32, 3]});
  let x = convLayer(input, 16, 3, 1, true);
  x = tfl.layers.maxPooling2d({poolSize: 2, strides: 2}).apply(x) as Sym;
  let channels = 16;
  for (const [filters, stride] of [
    [16, 1],
    [32, 2],
    [64, 2],
  ]) {
    for (let i = 0; i < 2; i++) {
      const s = i === 0 ? stride : 1;
      const y = convLayer(convLayer(x, filters, 3, s, true), filters, 3, 1, false);
      const shortcut = s > 1 || channels !== filters ? convLayer(x, filters, 1, s, false) : x;
      x = tfl.layers
        .activation({activation: 'relu'})
        .apply(tfl.layers.add().apply([y, shortcut])) as Sym;
      channels = filters;
    }
  }
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as Sym;
  const model = tfl.model({
    inputs: input,
    outputs: tfl.layers.dense({units: 10, activation: 'softmax'}).apply(x) as Sym,
  });
  model.compile({optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy'});
  return model;
}

/** One SGD step (trainOnBatch) of a compiled model on a seeded batch of 16 images. */
function trainingStep(
  name: string,
  what: string,
  build: () => tfl.LayersModel,
  image: number[],
): ModelCase {
  return {
    depthwise: false,
    name,
    what,
    load: async () => {
      const model = build();
      seedWeights(model, 5);
      return {
        run: async () => {
          const next = seededRandom(12);
          const size = 16 * image.reduce((a, b) => a * b, 1);
          const xs = tf.tensor(Float32Array.from({length: size}, next), [16, ...image]);
          const labels = Int32Array.from({length: 16}, (_, i) => i % 10);
          const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
          const loss = (await model.trainOnBatch(xs, ys)) as number;
          tf.dispose([xs, ys]);
          return Float32Array.of(loss);
        },
        dispose: () => model.dispose(),
      };
    },
  };
}

/** How a model runs: on tfjs's own kernels, under installAsBuiltins(), or under
 *  installAsBuiltins({depthwise: false}) (the convolutions and pools routed, not the depthwise
 *  convolutions). */
export type Mode = 'tfjs' | 'override' | 'conv-only';

/** A model ready to run its job. */
export interface LoadedModel {
  /** One call of the model's job; returns the output to compare (read back). */
  run(): Promise<Float32Array>;
  dispose(): void;
}

export interface ModelCase {
  name: string;
  what: string;
  /** It has depthwise convolutions: also timed in the 'conv-only' mode. */
  depthwise: boolean;
  load(): Promise<LoadedModel>;
}

/** The seeded images' values by size, each made once: drawing 150,528 seeded numbers takes
 *  longer (7 ms) than some of the models' calls, so a call only uploads them, as an application
 *  uploads its image. */
const imageValues = new Map<number, Float32Array>();
const image = (size: number) => {
  let values = imageValues.get(size);
  if (values == null) {
    values = Float32Array.from({length: size * size * 3}, seededRandom(11));
    imageValues.set(size, values);
  }
  return tf.tensor(values, [1, size, size, 3]);
};

/** What an inference case needs of a model: tf.LayersModel and tfc.GraphModel both serve. */
interface Predictor {
  predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
  dispose(): void;
}

/** Inference at batch 1 on the seeded size x size image, by a model `load` makes. */
function inference(
  name: string,
  what: string,
  load: () => Promise<Predictor>,
  depthwise = false,
  size = 224,
): ModelCase {
  return {
    name,
    what,
    depthwise,
    load: async () => {
      const model = await load();
      return {
        run: async () => {
          const x = image(size);
          const y = model.predict(x) as tf.Tensor;
          const values = (await y.data()) as Float32Array;
          tf.dispose([x, y]);
          return values;
        },
        dispose: () => model.dispose(),
      };
    },
  };
}

/** A tf.layers model with seeded weights. */
const layers = (build: () => tfl.LayersModel) => async () => {
  const model = build();
  seedWeights(model, 5);
  return model;
};

/** A graph model loaded by tf.loadGraphModel from artifacts built in memory. */
const graph = (build: () => tf.io.ModelArtifacts) => () => loadGraph(build());

export const MODELS: ModelCase[] = [
  inference(
    'mobilenetv2',
    'MobileNetV2 1.0, 224x224, batch 1, inference',
    layers(mobilenetV2),
    true,
  ),
  inference('resnet50', 'ResNet-50, 224x224, batch 1, inference', layers(resnet50)),
  inference(
    'mobilenetv2-graph',
    'MobileNetV2 1.0 as a graph model (tf.loadGraphModel, fused ops), 224x224, batch 1',
    graph(mobilenetV2Graph),
    true,
  ),
  inference(
    'mobilenetv2-small-graph',
    'MobileNetV2 0.35 as a graph model (fused ops), 96x96, batch 1: small layers, per-call costs',
    graph(() => mobilenetV2Graph(96, 0.35)),
    true,
    96,
  ),
  inference(
    'resnet50-graph',
    'ResNet-50 as a graph model (tf.loadGraphModel, fused ops), 224x224, batch 1',
    graph(resnet50Graph),
  ),
  trainingStep(
    'lenet-train',
    'LeNet (MNIST), batch 16, one SGD step (trainOnBatch)',
    lenet,
    [28, 28, 1],
  ),
  trainingStep(
    'resnet-small-train',
    'a small ResNet (32x32x3, 16-64 channels), batch 16, one SGD step (trainOnBatch)',
    smallResnet,
    [32, 32, 3],
  ),
];

/** Cases made at run time (the pretrained models of pretrained_cases.ts), found by modelCase
 *  beside MODELS. */
const registered: ModelCase[] = [];

export function registerModelCase(c: ModelCase): void {
  const at = registered.findIndex((r) => r.name === c.name);
  if (at >= 0) registered.splice(at, 1);
  registered.push(c);
}

export function modelCase(name: string): ModelCase {
  const all = [...MODELS, ...registered];
  const m = all.find((c) => c.name === name);
  if (m == null) {
    throw new Error(`unknown model '${name}' (${all.map((c) => c.name).join(', ')})`);
  }
  return m;
}

export interface ModelTiming {
  firstMs: number;
  medianMs: number;
  /** The timed calls the median is of. */
  runs: number;
  output: Float32Array;
}

/** The untimed calls after a model's first: at least `calls`, and more while they have taken
 *  under `budgetMs` (up to 1000). V8 runs a JavaScript or WebAssembly function on its baseline
 *  compilers until it has run a while: a model of small layers (MobileNetV2 0.35 at 96x96, a
 *  call of 2 ms on wasm) took 30-40 calls to reach its steady time, on tfjs's kernels as under
 *  the override, so a fixed two left the warm median on the way down. */
export interface Warmup {
  calls: number;
  budgetMs: number;
}

/** A model loaded, its first call timed and the warm-up run untimed: timeCall times one more
 *  call. */
export interface StartedModel {
  model: LoadedModel;
  firstMs: number;
  output: Float32Array;
  timeCall(): Promise<number>;
}

/** The model started, or the error's first line where the active backend's kernels cannot run
 *  it. */
export async function startModel(c: ModelCase, warmup: Warmup): Promise<StartedModel | string> {
  let model: LoadedModel | null = null;
  try {
    model = await c.load();
    const start = performance.now();
    const output = await model.run();
    const firstMs = performance.now() - start;
    const warmStart = performance.now();
    for (
      let i = 0;
      i < warmup.calls || (i < 1000 && performance.now() - warmStart < warmup.budgetMs);
      i++
    ) {
      await model.run();
    }
    const m = model;
    const timeCall = async () => {
      const t0 = performance.now();
      await m.run();
      return performance.now() - t0;
    };
    return {model, firstMs, output, timeCall};
  } catch (e) {
    model?.dispose();
    return (e as Error).message.split('\n')[0];
  }
}

/** How many rounds of timed calls timeInRounds takes. */
export interface Rounds {
  least: number;
  most: number;
  budgetMs: number;
}

/** The model timed in each of `modes` on the active backend: a model of its own loaded, first
 *  call timed and warmed up in each mode in turn, then the timed calls taken a round at a time,
 *  each mode in turn a round, so that every mode sees the same phases of the machine (whose
 *  speed moves by 10-30% over minutes; on webgl, SwiftShader's by more). The kernels a call runs
 *  are looked up at the call, so switching the override between calls switches the model's
 *  kernels; each mode's turn is an untimed call, which brings its weights back into the caches
 *  that the other modes' calls took, then the timed one. At least `rounds.least` rounds run,
 *  and more while the rounds so far took less than `rounds.budgetMs`, up to `rounds.most`: a
 *  model whose call takes 20 ms gets enough rounds for its median to settle, one whose call
 *  takes seconds no more than it needs. */
export async function timeInRounds(
  c: ModelCase,
  modes: Mode[],
  rounds: Rounds,
  warmup: Warmup,
): Promise<(ModelTiming | string)[]> {
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
    for (const mode of modes) started.push(await inMode(mode, () => startModel(c, warmup)));
    const times: number[][] = modes.map(() => []);
    const start = performance.now();
    for (
      let r = 0;
      r < rounds.least || (r < rounds.most && performance.now() - start < rounds.budgetMs);
      r++
    ) {
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
      return {
        firstMs: s.firstMs,
        medianMs: sorted[sorted.length >> 1],
        runs: sorted.length,
        output: s.output,
      };
    });
  } finally {
    for (const s of started) if (typeof s !== 'string') s.model.dispose();
  }
}
