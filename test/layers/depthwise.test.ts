// hm.layers.depthwiseConv2d and hm.layers.separableConv2d against tf.layers' layers of those
// names: forward with the same weights and one training step's gradients (where tf.layers'
// layers apply their arguments: not dilationRate, which tf.layers.depthwiseConv2d ignores),
// both layouts, dilation that trains, serialization round trips, no leaked tensors.

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import * as hm from '../../src';

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => {
    const scale = Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-30);
    return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / scale;
  });
}

const seeded = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Pair = {
  name: string;
  mine: (args: object) => tfl.layers.Layer;
  theirs: (args: object) => tfl.layers.Layer;
};
const DEPTHWISE: Pair = {
  name: 'depthwiseConv2d',
  mine: (a) => hm.layers.depthwiseConv2d(a as Parameters<typeof hm.layers.depthwiseConv2d>[0]),
  theirs: (a) => tfl.layers.depthwiseConv2d(a as Parameters<typeof tfl.layers.depthwiseConv2d>[0]),
};
const SEPARABLE: Pair = {
  name: 'separableConv2d',
  mine: (a) => hm.layers.separableConv2d(a as Parameters<typeof hm.layers.separableConv2d>[0]),
  theirs: (a) => tfl.layers.separableConv2d(a as Parameters<typeof tfl.layers.separableConv2d>[0]),
};

describe.each([DEPTHWISE, SEPARABLE])('hm.layers.$name matches tf.layers.$name', (pair) => {
  const extra = pair === SEPARABLE ? {filters: 5} : {};
  const cases: Array<[string, number[], object]> = [
    [
      'NHWC same relu6 stride 2',
      [2, 9, 9, 3],
      {kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6'},
    ],
    ['NHWC valid multiplier 2', [2, 8, 7, 4], {kernelSize: [3, 2], depthMultiplier: 2}],
    [
      'NHWC tanh (not fused) no bias',
      [1, 6, 6, 2],
      {kernelSize: 3, activation: 'tanh', useBias: false},
    ],
    [
      'NCHW same elu multiplier 3',
      [2, 3, 7, 7],
      {
        kernelSize: 3,
        padding: 'same',
        activation: 'elu',
        depthMultiplier: 3,
        dataFormat: 'channelsFirst',
      },
    ],
  ];
  test.each(cases)('%s x=%j', (_name, xShape, layerArgs) => {
    const args = {...layerArgs, ...extra};
    // tf.layers' SeparableConv2D fails on channelsFirst (it adds the bias in the wrong layout):
    // it is compared in channelsLast, on x transposed to it and back.
    const viaNhwc = pair === SEPARABLE && JSON.stringify(args).includes('channelsFirst');
    const before = tf.memory().numTensors;
    const x = seeded(xShape, 1);
    const mine = pair.mine(args);
    const theirs = pair.theirs(viaNhwc ? {...args, dataFormat: 'channelsLast'} : args);
    const applyTheirs = (t: tf.Tensor) =>
      viaNhwc
        ? tf.tidy(() =>
            tf.transpose(theirs.apply(tf.transpose(t, [0, 2, 3, 1])) as tf.Tensor, [0, 3, 1, 2]),
          )
        : (theirs.apply(t) as tf.Tensor);
    const y = mine.apply(x) as tf.Tensor;
    tf.dispose(applyTheirs(x)); // builds
    expect(theirs.getWeights().map((w) => w.shape)).toEqual(mine.getWeights().map((w) => w.shape));
    theirs.setWeights(mine.getWeights());
    const expected = applyTheirs(x);
    expect(maxRelDiff(y, expected)).toBeLessThan(1e-5);
    if (!viaNhwc) {
      expect(mine.computeOutputShape([null, ...xShape.slice(1)])).toEqual(
        theirs.computeOutputShape([null, ...xShape.slice(1)]),
      );
    }
    const lossOf = (layer: tfl.layers.Layer) => () =>
      tf.sum(
        tf.mul(
          layer === theirs ? applyTheirs(x) : (layer.apply(x) as tf.Tensor),
          seeded(expected.shape, 2),
        ),
      ) as tf.Scalar;
    const weightsOf = (layer: tfl.layers.Layer) =>
      layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const gMine = tf.variableGrads(lossOf(mine), weightsOf(mine));
    const gTheirs = tf.variableGrads(lossOf(theirs), weightsOf(theirs));
    weightsOf(mine).forEach((w, i) => {
      const t = weightsOf(theirs)[i];
      expect(maxRelDiff(gMine.grads[w.name], gTheirs.grads[t.name])).toBeLessThan(1e-4);
    });
    tf.dispose([x, y, expected, gMine.value, gTheirs.value]);
    tf.dispose([...Object.values(gMine.grads), ...Object.values(gTheirs.grads)]);
    mine.dispose();
    theirs.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('dilationRate', () => {
  test('is applied (tf.layers.depthwiseConv2d ignores it) and trains', async () => {
    const x = seeded([2, 9, 9, 3], 3);
    const layer = hm.layers.depthwiseConv2d({kernelSize: 3, dilationRate: 2, depthMultiplier: 2});
    const y = layer.apply(x) as tf.Tensor;
    const [w, b] = layer.getWeights();
    const expected = tf.add(
      hm.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid', 'NHWC', 2),
      b,
    );
    expect(y.shape).toEqual([2, 5, 5, 6]);
    expect(maxRelDiff(y, expected)).toBeLessThan(1e-6);
    tf.dispose([x, y, expected]);
    layer.dispose();

    const start = tf.memory().numTensors;
    const xs = seeded([16, 10, 10, 2], 4);
    const ys = tf.tidy(() =>
      tf.oneHot(
        tf.tensor1d(
          Array.from({length: 16}, (_, i) => i % 2),
          'int32',
        ),
        2,
      ),
    );
    const init = (seed: number) => tfl.initializers.glorotUniform({seed});
    const model = tfl.sequential({
      layers: [
        hm.layers.depthwiseConv2d({
          inputShape: [10, 10, 2],
          kernelSize: 3,
          dilationRate: 2,
          depthMultiplier: 2,
          activation: 'relu',
          depthwiseInitializer: init(1),
        }),
        hm.layers.separableConv2d({
          filters: 4,
          kernelSize: 3,
          dilationRate: [1, 2],
          padding: 'same',
          depthwiseInitializer: init(2),
          pointwiseInitializer: init(3),
        }),
        tfl.layers.flatten(),
        tfl.layers.dense({units: 2, activation: 'softmax', kernelInitializer: init(4)}),
      ],
    });
    const optimizer = tf.train.adam(0.01);
    model.compile({optimizer, loss: 'categoricalCrossentropy'});
    const history = await model.fit(xs, ys, {epochs: 8, batchSize: 8, shuffle: false, verbose: 0});
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(0.7 * losses[0]);
    optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('serialization', () => {
  test.each([['channelsLast'], ['channelsFirst']] as const)(
    'a model with both layers saves and loads back with identical predictions (%s)',
    async (dataFormat) => {
      const inputShape = dataFormat === 'channelsLast' ? [8, 8, 3] : [3, 8, 8];
      const model = tfl.sequential({
        layers: [
          hm.layers.depthwiseConv2d({
            inputShape,
            kernelSize: 3,
            depthMultiplier: 2,
            dilationRate: 2,
            activation: 'relu',
            dataFormat,
            depthwiseRegularizer: tfl.regularizers.l2({l2: 0.01}),
          }),
          hm.layers.separableConv2d({
            filters: 4,
            kernelSize: [3, 2],
            padding: 'same',
            dataFormat,
            pointwiseInitializer: 'heNormal',
          }),
        ],
      });
      let saved: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (artifacts) => {
          saved = artifacts;
          return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
        }),
      );
      const loaded = await tfl.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: JSON.parse(JSON.stringify(saved!.modelTopology)),
          weightSpecs: saved!.weightSpecs,
          weightData: saved!.weightData,
        }),
      );
      expect(loaded.layers[0]).toBeInstanceOf(hm.layers.HandmadeDepthwiseConv2D);
      expect(loaded.layers[1]).toBeInstanceOf(hm.layers.HandmadeSeparableConv2D);
      expect(loaded.layers[0].getConfig()).toEqual(model.layers[0].getConfig());
      expect(loaded.layers[1].getConfig()).toEqual(model.layers[1].getConfig());
      expect(
        (model.layers[1].getConfig().pointwiseInitializer as {className: string}).className,
      ).toBe('VarianceScaling');
      const x = seeded([3, ...inputShape], 6);
      const a = model.predict(x) as tf.Tensor;
      const b = loaded.predict(x) as tf.Tensor;
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([x, a, b]);
      model.dispose();
      loaded.dispose();
    },
  );

  test.each([DEPTHWISE, SEPARABLE])("the config has every key of tf.layers' $name", (pair) => {
    const args = {
      kernelSize: 3,
      activation: 'relu',
      depthMultiplier: 2,
      ...(pair === SEPARABLE ? {filters: 3} : {}),
    };
    const mine = pair.mine(args).getConfig();
    const theirs = pair.theirs(args).getConfig();
    for (const key of Object.keys(theirs).filter((k) => k !== 'name')) {
      expect({key, value: mine[key]}).toEqual({key, value: theirs[key]});
    }
  });
});

test('a rank-3 input is a clear error', () => {
  const layer = hm.layers.depthwiseConv2d({kernelSize: 3});
  expect(() => layer.apply(tf.zeros([4, 4, 2]))).toThrow(/ndim|rank-4/);
});
