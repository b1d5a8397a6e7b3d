// hm.layers against tf.layers: forward with the same weights, gradients of one training step,
// groups and dilation training, serialization round trips, argument errors, no leaked tensors.

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import * as hm from '../../src';

const TOL = 1e-5;

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => {
    const scale = Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-30);
    return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / scale;
  });
}

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('hm.layers.conv2d matches tf.layers.conv2d with the same weights', () => {
  const cases: Array<[string, number[], object]> = [
    [
      'NHWC same relu stride 2',
      [2, 9, 9, 3],
      {filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu'},
    ],
    [
      'NHWC valid linear dilation 2',
      [2, 9, 8, 2],
      {filters: 3, kernelSize: [3, 2], dilationRate: 2, padding: 'valid'},
    ],
    [
      'NHWC tanh (not fused) no bias',
      [1, 6, 6, 2],
      {filters: 2, kernelSize: 3, activation: 'tanh', useBias: false},
    ],
    [
      'NCHW same elu',
      [2, 3, 7, 7],
      {filters: 4, kernelSize: 3, padding: 'same', activation: 'elu', dataFormat: 'channelsFirst'},
    ],
    [
      'NCHW valid sigmoid stride [2,1]',
      [1, 2, 8, 7],
      {
        filters: 3,
        kernelSize: 3,
        strides: [2, 1],
        activation: 'sigmoid',
        dataFormat: 'channelsFirst',
      },
    ],
  ];
  test.each(cases)('%s x=%j', (_name, xShape, args) => {
    const before = tf.memory().numTensors;
    const x = seeded(xShape, 1);
    const mine = hm.layers.conv2d(args as hm.layers.HandmadeConv2DLayerArgs);
    const theirs = tfl.layers.conv2d(args as Parameters<typeof tfl.layers.conv2d>[0]);
    const y = mine.apply(x) as tf.Tensor;
    tf.dispose(theirs.apply(x) as tf.Tensor); // builds
    theirs.setWeights(mine.getWeights());
    const expected = theirs.apply(x) as tf.Tensor;
    expect(maxRelDiff(y, expected)).toBeLessThan(TOL);
    expect(mine.computeOutputShape([null, ...xShape.slice(1)])).toEqual(
      theirs.computeOutputShape([null, ...xShape.slice(1)]),
    );
    // One training step's gradients with respect to the weights (tfjs's layer cannot train
    // dilated convolutions: see the dilation test below for those).
    const dilated = JSON.stringify(args).includes('dilationRate');
    const lossOf = (layer: tfl.layers.Layer) => () =>
      tf.sum(tf.mul(layer.apply(x) as tf.Tensor, seeded(expected.shape, 2))) as tf.Scalar;
    if (dilated) {
      tf.dispose([x, y, expected]);
      mine.dispose();
      theirs.dispose();
      expect(tf.memory().numTensors).toBe(before);
      return;
    }
    const gMine = tf.variableGrads(
      lossOf(mine),
      mine.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    const gTheirs = tf.variableGrads(
      lossOf(theirs),
      theirs.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    mine.trainableWeights.forEach((w, i) => {
      const t = theirs.trainableWeights[i];
      expect(
        maxRelDiff(
          gMine.grads[(w.read() as tf.Variable).name],
          gTheirs.grads[(t.read() as tf.Variable).name],
        ),
      ).toBeLessThan(1e-4);
    });
    tf.dispose([
      x,
      y,
      expected,
      gMine.value,
      gTheirs.value,
      ...Object.values(gMine.grads),
      ...Object.values(gTheirs.grads),
    ]);
    mine.dispose();
    theirs.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

test(
  "a dilated conv layer's gradients equal those of the undilated conv whose kernel has " +
    'the zeros of the dilation written in',
  () => {
    const before = tf.memory().numTensors;
    const x = seeded([2, 9, 10, 2], 11);
    const dl = 2;
    const mine = hm.layers.conv2d({filters: 3, kernelSize: [3, 2], dilationRate: dl});
    const y = mine.apply(x) as tf.Tensor;
    const w = seeded(y.shape, 12);
    const [kernel, bias] = mine.getWeights();
    // expanded[wR*dl, wC*dl] = kernel[wR, wC], zeros elsewhere: a [5, 3] kernel.
    const expand = (k: tf.Tensor) =>
      tf.tidy(() => {
        const [kh, kw, ci, co] = k.shape;
        const rows = tf.stack(
          tf.unstack(k, 0).flatMap((r, i) => (i < kh - 1 ? [r, tf.zeros([kw, ci, co])] : [r])),
        );
        return tf.stack(
          tf
            .unstack(rows, 1)
            .flatMap((c, i) => (i < kw - 1 ? [c, tf.zeros([rows.shape[0], ci, co])] : [c])),
          1,
        );
      });
    const loss = (k: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.mul(tf.add(tf.conv2d(x as tf.Tensor4D, expand(k) as tf.Tensor4D, 1, 'valid'), b), w),
      ) as tf.Scalar;
    const [dK, dB] = tf.grads(loss)([kernel, bias]);
    const g = tf.variableGrads(
      () => tf.sum(tf.mul(mine.apply(x) as tf.Tensor, w)) as tf.Scalar,
      mine.trainableWeights.map((v) => v.read() as tf.Variable),
    );
    const names = mine.trainableWeights.map((v) => (v.read() as tf.Variable).name);
    expect(maxRelDiff(g.grads[names[0]], dK)).toBeLessThan(1e-4);
    expect(maxRelDiff(g.grads[names[1]], dB)).toBeLessThan(1e-4);
    tf.dispose([x, y, w, dK, dB, g.value, ...Object.values(g.grads)]);
    mine.dispose();
    expect(tf.memory().numTensors).toBe(before);
  },
);

describe('hm.layers.maxPooling2d matches tf.layers.maxPooling2d', () => {
  const cases: Array<[string, number[], object]> = [
    ['NHWC 2x2 default strides', [2, 8, 8, 3], {poolSize: 2}],
    ['NHWC 3x3/2 same', [1, 7, 9, 2], {poolSize: 3, strides: 2, padding: 'same'}],
    [
      'NCHW [2,3]/1 valid',
      [2, 3, 6, 7],
      {poolSize: [2, 3], strides: 1, dataFormat: 'channelsFirst'},
    ],
  ];
  test.each(cases)('%s x=%j', (_name, xShape, args) => {
    const before = tf.memory().numTensors;
    const x = seeded(xShape, 3);
    const mine = hm.layers.maxPooling2d(args);
    const theirs = tfl.layers.maxPooling2d(args);
    const y = mine.apply(x) as tf.Tensor;
    const expected = theirs.apply(x) as tf.Tensor;
    expect(maxRelDiff(y, expected)).toBe(0);
    expect(mine.computeOutputShape([null, ...xShape.slice(1)])).toEqual(
      theirs.computeOutputShape([null, ...xShape.slice(1)]),
    );
    const dMine = tf.grad((t: tf.Tensor) => tf.sum(tf.square(mine.apply(t) as tf.Tensor)))(x);
    const dTheirs = tf.grad((t: tf.Tensor) => tf.sum(tf.square(theirs.apply(t) as tf.Tensor)))(x);
    expect(maxRelDiff(dMine, dTheirs)).toBeLessThan(TOL);
    tf.dispose([x, y, expected, dMine, dTheirs]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

function smallModel(
  conv: object,
  dataFormat: 'channelsLast' | 'channelsFirst' = 'channelsLast',
): tfl.Sequential {
  const inputShape = dataFormat === 'channelsLast' ? [8, 8, 4] : [4, 8, 8];
  const model = tfl.sequential({
    layers: [
      hm.layers.conv2d({
        inputShape,
        filters: 6,
        kernelSize: 3,
        padding: 'same',
        dataFormat,
        kernelInitializer: tfl.initializers.glorotUniform({seed: 7}),
        ...conv,
      }),
      hm.layers.maxPooling2d({poolSize: 2, dataFormat}),
      tfl.layers.flatten(),
      tfl.layers.dense({units: 3, kernelInitializer: tfl.initializers.glorotUniform({seed: 8})}),
    ],
  });
  model.compile({optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError'});
  return model;
}

describe('training', () => {
  const cases: Array<[string, object, 'channelsLast' | 'channelsFirst']> = [
    ['groups 2 relu', {groups: 2, activation: 'relu'}, 'channelsLast'],
    ['dilation 2 linear', {dilationRate: 2}, 'channelsLast'],
    [
      'groups 2 dilation 2 elu NCHW',
      {groups: 2, dilationRate: 2, activation: 'elu'},
      'channelsFirst',
    ],
  ];
  test.each(cases)('%s: the loss falls with model.fit', async (_name, conv, dataFormat) => {
    const model = smallModel(conv, dataFormat);
    const x = seeded(dataFormat === 'channelsLast' ? [16, 8, 8, 4] : [16, 4, 8, 8], 4);
    const y = seeded([16, 3], 5);
    const history = await model.fit(x, y, {epochs: 8, batchSize: 16, verbose: 0, shuffle: false});
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(0.8 * losses[0]);
    const conv2d = model.layers[0] as hm.layers.HandmadeConv2D;
    expect(conv2d.getWeights()[0].shape).toEqual([3, 3, 4 / conv2d.groups, 6]);
    // Steady state: a further step leaves no tensor behind.
    await model.trainOnBatch(x, y);
    const before = tf.memory().numTensors;
    await model.trainOnBatch(x, y);
    tf.dispose(model.predict(x) as tf.Tensor);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    model.dispose();
  });
});

async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  // Through JSON text, as a file would carry it.
  const topology = JSON.parse(JSON.stringify(saved!.modelTopology));
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: topology,
      weightSpecs: saved!.weightSpecs,
      weightData: saved!.weightData,
    }),
  );
}

describe('serialization', () => {
  test.each([['channelsLast'], ['channelsFirst']] as const)(
    'a model with both layers saves and loads back with identical predictions (%s)',
    async (dataFormat) => {
      const model = smallModel(
        {
          groups: 2,
          dilationRate: [2, 1],
          activation: 'relu',
          kernelRegularizer: tfl.regularizers.l2({l2: 0.01}),
        },
        dataFormat,
      );
      const loaded = await roundTrip(model);
      expect(loaded.layers[0]).toBeInstanceOf(hm.layers.HandmadeConv2D);
      expect(loaded.layers[1]).toBeInstanceOf(hm.layers.HandmadeMaxPooling2D);
      expect(loaded.layers[0].getConfig()).toEqual(model.layers[0].getConfig());
      expect(loaded.layers[1].getConfig()).toEqual(model.layers[1].getConfig());
      const x = seeded(dataFormat === 'channelsLast' ? [3, 8, 8, 4] : [3, 4, 8, 8], 6);
      const a = model.predict(x) as tf.Tensor;
      const b = loaded.predict(x) as tf.Tensor;
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([x, a, b]);
      model.dispose();
      loaded.dispose();
    },
  );

  test('the conv config has every key of tf.layers.Conv2D, plus groups', () => {
    const args = {filters: 2, kernelSize: 3, activation: 'relu' as const};
    const mine = hm.layers.conv2d({...args, groups: 1}).getConfig();
    const theirs = tfl.layers.conv2d(args).getConfig();
    const ignore = ['name'];
    for (const key of Object.keys(theirs).filter((k) => !ignore.includes(k))) {
      expect({key, value: mine[key]}).toEqual({key, value: theirs[key]});
    }
    expect(mine.groups).toBe(1);
  });
});

describe('argument errors', () => {
  test('groups must divide filters', () => {
    expect(() => hm.layers.conv2d({filters: 5, kernelSize: 3, groups: 2})).toThrow(
      /groups \(2\) must divide filters \(5\)/,
    );
  });
  test('groups must be a positive integer', () => {
    expect(() => hm.layers.conv2d({filters: 4, kernelSize: 3, groups: 0})).toThrow(
      /groups must be a positive integer/,
    );
  });
  test('groups must divide the input channels', () => {
    const layer = hm.layers.conv2d({filters: 4, kernelSize: 3, groups: 2});
    const x = tf.zeros([1, 5, 5, 3]);
    expect(() => layer.apply(x)).toThrow(
      /groups \(2\) must divide the input's 3 channels \(input shape \[1,5,5,3\], NHWC\)/,
    );
    x.dispose();
  });
});
