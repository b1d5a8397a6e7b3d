// Training convolutions on tfjs's wasm backend, which cannot do it alone (it has no
// Conv2DBackpropFilter kernel): a model of hm.layers trains as is, and an unmodified tf.layers
// model trains once the handmade kernels are installed under tfjs's own kernel names.

import '@tensorflow/tfjs-backend-wasm';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {argmaxes} from '../../src/builtin_adapters';
import * as hm from '../../src/index';
import {countingHandmade, expectUnreachedArgmaxDropped} from '../cases/override';
import {distinct, uniform} from '../helpers/random';

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  // tfjs's own wasm FusedMatMul (the dense layer) trips the engine's IS_TEST data-id check; the
  // tests count tensors themselves instead.
  tf.env().set('IS_TEST', false);
});

afterAll(() => tf.env().set('IS_TEST', true));

afterEach(() => hm.uninstallBuiltins());

function data(): {xs: tf.Tensor; ys: tf.Tensor} {
  // Two classes of 8x8 images: a bright top half or a bright bottom half, plus noise.
  const n = 32;
  const noise = uniform(n * 64, 11);
  const x = new Float32Array(n * 64);
  const y = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const top = i % 2 === 0;
    for (let p = 0; p < 64; p++) x[i * 64 + p] = 0.3 * noise[i * 64 + p] + (p < 32 === top ? 1 : 0);
    y[i * 2 + (top ? 0 : 1)] = 1;
  }
  return {xs: tf.tensor4d(x, [n, 8, 8, 1]), ys: tf.tensor2d(y, [n, 2])};
}

async function lossesOf(model: tfl.Sequential): Promise<number[]> {
  const {xs, ys} = data();
  const optimizer = tf.train.sgd(0.1);
  model.compile({optimizer, loss: 'categoricalCrossentropy'});
  try {
    const history = await model.fit(xs, ys, {epochs: 8, batchSize: 16, shuffle: false, verbose: 0});
    return history.history.loss as number[];
  } finally {
    tf.dispose([xs, ys]);
    optimizer.dispose();
  }
}

/** Trains, then checks the loss fell by half and that nothing but the model's weights remain. */
async function expectTrains(model: tfl.Sequential): Promise<void> {
  const before = tf.memory().numTensors;
  const losses = await lossesOf(model);
  expect(tf.getBackend()).toBe('wasm');
  expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
}

test("tfjs's own conv layers cannot train on wasm", async () => {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu'}),
      tfl.layers.flatten(),
      tfl.layers.dense({units: 2, activation: 'softmax'}),
    ],
  });
  await expect(lossesOf(model)).rejects.toThrow(
    /Conv2DBackpropFilter' not registered for backend 'wasm'/,
  );
  model.dispose();
});

test('a model of hm.layers trains on wasm', async () => {
  const model = tfl.sequential({
    layers: [
      hm.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        dilationRate: 2,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({seed: 1}),
      }),
      hm.layers.maxPooling2d({poolSize: 2}),
      tfl.layers.flatten(),
      tfl.layers.dense({
        units: 2,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({seed: 2}),
      }),
    ],
  });
  await expectTrains(model);
});

test('an unmodified tf.layers model trains on wasm with the handmade kernels installed', async () => {
  hm.installAsBuiltins({backends: ['wasm']});
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({seed: 3}),
      }),
      tfl.layers.maxPooling2d({poolSize: 2}),
      tfl.layers.flatten(),
      tfl.layers.dense({
        units: 2,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({seed: 4}),
      }),
    ],
  });
  await expectTrains(model);
});

/** conv - depthwise 3x3 - separable (a depthwise and a pointwise step) - dense: the blocks of a
 *  MobileNet, of tfjs's own layers. */
function mobileNetStyle(seed: number): tfl.Sequential {
  const init = (s: number) => tfl.initializers.glorotUniform({seed: seed + s});
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(0),
      }),
      tfl.layers.depthwiseConv2d({
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        depthMultiplier: 2,
        activation: 'relu',
        depthwiseInitializer: init(1),
      }),
      tfl.layers.separableConv2d({
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        depthwiseInitializer: init(2),
        pointwiseInitializer: init(3),
      }),
      tfl.layers.flatten(),
      tfl.layers.dense({units: 2, activation: 'softmax', kernelInitializer: init(4)}),
    ],
  });
}

test("tfjs's own depthwise layers cannot train on wasm", async () => {
  const model = tfl.sequential({
    layers: [
      tfl.layers.depthwiseConv2d({inputShape: [8, 8, 1], kernelSize: 3, depthMultiplier: 2}),
      tfl.layers.flatten(),
      tfl.layers.dense({units: 2, activation: 'softmax'}),
    ],
  });
  await expect(lossesOf(model)).rejects.toThrow(
    /DepthwiseConv2dNativeBackprop(Input|Filter)' not registered for backend 'wasm'/,
  );
  model.dispose();
});

test('an unmodified MobileNet-style tf.layers model trains on wasm with the handmade kernels installed', async () => {
  hm.installAsBuiltins({backends: ['wasm']});
  await expectTrains(mobileNetStyle(10));
});

test('training through tf.maxPool on wasm runs one max-pool forward a step: MaxPoolGrad takes the argmax the forward kept', async () => {
  // tfjs-wasm has no MaxPoolGrad; the tape saves copies of x and y with data ids of their own
  // (its Identity copies), which MaxPoolGrad gets: the argmax is found through the tape.
  const x = tf.tensor4d(distinct(2 * 6 * 6 * 3, 17), [2, 6, 6, 3]);
  const loss = (pool: typeof tf.maxPool) => (a: tf.Tensor) =>
    tf.sum(tf.square(pool(a as tf.Tensor4D, 2, 2, 'same')));
  const expected = tf.grad(loss(hm.maxPool))(x);
  hm.installAsBuiltins({backends: ['wasm']});
  tf.env().set('IS_TEST', true); // the engine's check that no kernel leaves a data id behind
  try {
    const before = tf.memory();
    const {result: got, counts} = await countingHandmade(() => tf.grad(loss(tf.maxPool))(x));
    expect(counts.HandmadeMaxPool).toBe(1); // the forward, with its argmax
    expect(counts.HandmadeMaxPoolValues).toBe(0);
    expect(counts.HandmadeMaxPoolGrad).toBe(1);
    expect(argmaxes.size).toBe(0);
    expect(Array.from(await got.data())).toEqual(Array.from(await expected.data()));
    got.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);

    expectUnreachedArgmaxDropped(x);

    // A MaxPoolGrad of tensors no recorded MaxPool made recomputes the argmax.
    const y = tf.maxPool(x, 2, 2, 'same');
    const again = await countingHandmade(() =>
      tf.engine().runKernel(
        'MaxPoolGrad',
        {dy: tf.mul(y, 2), input: x, output: y},
        {
          filterSize: 2,
          strides: 2,
          pad: 'same',
        },
      ),
    );
    expect(again.counts).toMatchObject({HandmadeMaxPool: 1, HandmadeMaxPoolGrad: 1});
    expect(Array.from(await (again.result as tf.Tensor).data())).toEqual(
      Array.from(await expected.data()),
    );
    tf.dispose([y, again.result as tf.Tensor]);
  } finally {
    tf.env().set('IS_TEST', false);
    tf.dispose([x, expected]);
  }
});
