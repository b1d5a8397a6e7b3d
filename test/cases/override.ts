// Case bodies for the drop-in paths, run on whatever backend is active (cpu in node, webgl in the
// browser): an unmodified tf.layers model under hm.installAsBuiltins, and a model of hm.layers
// with dilation and groups that tfjs's own layers cannot train.

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {argmaxes} from '../../src/builtin_adapters';
import * as hm from '../../src/index';

const TFJS_NAMES = [
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'FusedConv2D',
  'MaxPool',
  'MaxPoolGrad',
  'DepthwiseConv2dNative',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'FusedDepthwiseConv2D',
];

/** conv 3x3 relu (same) - pool 2 - depthwise 3x3 x2 (same) - conv 2x2 linear (FusedConv2D in a
 *  customGrad) - pool 2/1 same - dense 3, of tfjs's own layers, seeded. */
export function tfModel(): tfl.Sequential {
  const init = (seed: number) => tfl.initializers.glorotUniform({seed});
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [10, 10, 2],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        padding: 'same',
        kernelInitializer: init(1),
        biasInitializer: 'ones',
      }),
      tfl.layers.maxPooling2d({poolSize: 2}),
      tfl.layers.depthwiseConv2d({
        kernelSize: 3,
        depthMultiplier: 2,
        padding: 'same',
        depthwiseInitializer: init(4),
        biasInitializer: 'ones',
      }),
      tfl.layers.conv2d({
        filters: 5,
        kernelSize: 2,
        kernelInitializer: init(2),
        biasInitializer: 'ones',
      }),
      tfl.layers.maxPooling2d({poolSize: 2, strides: 1, padding: 'same'}),
      tfl.layers.flatten(),
      tfl.layers.dense({units: 3, kernelInitializer: init(3)}),
    ],
  });
}

function predictAndGrads(model: tfl.LayersModel, x: tf.Tensor): tf.Tensor[] {
  const y = model.predict(x) as tf.Tensor;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const {value, grads} = tf.variableGrads(
    () => tf.sum(tf.square(model.apply(x, {training: true}) as tf.Tensor)) as tf.Scalar,
    vars,
  );
  value.dispose();
  return [y, ...vars.map((v) => grads[v.name])];
}

const relDiff = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(
    () =>
      tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-30),
  );

/** Runs `body` while counting the calls of each Handmade kernel on the active backend. */
export async function countingHandmade<T>(
  body: () => Promise<T> | T,
): Promise<{result: T; counts: Record<string, number>}> {
  const backend = tf.getBackend();
  const counts: Record<string, number> = {};
  const originals = hm.KERNEL_NAMES.map((name) => tf.getKernel(name, backend));
  for (const original of originals) {
    counts[original.kernelName] = 0;
    tf.unregisterKernel(original.kernelName, backend);
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        counts[original.kernelName]++;
        return original.kernelFunc(args);
      },
    });
  }
  try {
    return {result: await body(), counts};
  } finally {
    for (const original of originals) {
      tf.unregisterKernel(original.kernelName, backend);
      tf.registerKernel(original);
    }
  }
}

export interface OverrideResult {
  /** the kernel names tf.profile saw while the model predicted and took a gradient step */
  profiled: string[];
  /** calls of each Handmade kernel meanwhile */
  counts: Record<string, number>;
  /** relative differences to the built-ins: the prediction, then each weight's gradient */
  diffs: number[];
  leaked: number;
}

/** An unmodified tf.layers model, with the handmade kernels installed under tfjs's names. */
export async function overrideCase(): Promise<OverrideResult> {
  const model = tfModel();
  const x = tf.randomUniform([3, 10, 10, 2], -1, 1, 'float32', 9);
  const builtin = predictAndGrads(model, x);
  const before = tf.memory().numTensors;
  hm.installAsBuiltins({backends: [tf.getBackend()]});
  try {
    const {result, counts} = await countingHandmade(async () => {
      const profile = await tf.profile(() => tf.dispose(predictAndGrads(model, x)));
      return {profiled: profile.kernelNames, ours: predictAndGrads(model, x)};
    });
    const diffs = result.ours.map((t, i) => relDiff(t, builtin[i]));
    tf.dispose(result.ours);
    return {profiled: result.profiled, counts, diffs, leaked: tf.memory().numTensors - before};
  } finally {
    hm.uninstallBuiltins();
    tf.dispose([x, ...builtin]);
    model.dispose();
  }
}

export const OVERRIDDEN_NAMES = TFJS_NAMES;

/** A model of hm.layers with a dilated, a grouped and a dilated depthwise convolution trains: the
 *  losses per epoch. */
export async function layersTrainCase(): Promise<{losses: number[]; leaked: number}> {
  const start = tf.memory().numTensors;
  const n = 24;
  const xs = tf.tidy(() => tf.randomUniform([n, 12, 12, 4], 0, 1, 'float32', 21));
  const ys = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({length: n}, (_, i) => i % 3),
        'int32',
      ),
      3,
    ),
  );
  const init = (seed: number) => tfl.initializers.glorotUniform({seed});
  const model = tfl.sequential({
    layers: [
      hm.layers.conv2d({
        inputShape: [12, 12, 4],
        filters: 8,
        kernelSize: 3,
        dilationRate: 2,
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      hm.layers.conv2d({
        filters: 8,
        kernelSize: 3,
        groups: 4,
        padding: 'same',
        kernelInitializer: init(2),
      }),
      hm.layers.depthwiseConv2d({
        kernelSize: 3,
        dilationRate: 2,
        depthMultiplier: 2,
        padding: 'same',
        activation: 'relu',
        depthwiseInitializer: init(4),
      }),
      hm.layers.maxPooling2d({poolSize: 2}),
      tfl.layers.flatten(),
      tfl.layers.dense({units: 3, activation: 'softmax', kernelInitializer: init(3)}),
    ],
  });
  const optimizer = tf.train.adam(0.01);
  model.compile({optimizer, loss: 'categoricalCrossentropy'});
  const history = await model.fit(xs, ys, {epochs: 10, batchSize: 8, shuffle: false, verbose: 0});
  optimizer.dispose();
  model.dispose();
  tf.dispose([xs, ys]);
  return {losses: history.history.loss as number[], leaked: tf.memory().numTensors - start};
}

/** Under the override, a recorded max pool that the loss does not reach keeps its argmax only
 *  until the first MaxPool call after its tape is over. */
export function expectUnreachedArgmaxDropped(x: tf.Tensor4D): void {
  tf.dispose(
    tf.grad((a: tf.Tensor) => {
      tf.maxPool(a as tf.Tensor4D, 2, 2, 'same');
      return tf.sum(a);
    })(x),
  );
  expect(argmaxes.size).toBe(1);
  tf.maxPool(x, 2, 2, 'same').dispose();
  expect(argmaxes.size).toBe(0);
}
