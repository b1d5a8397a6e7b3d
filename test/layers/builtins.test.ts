// installAsBuiltins / uninstallBuiltins: exact restore, idempotence, re-registration by a tfjs
// package, and unmodified tf.layers models (built in code, or loaded) running on the handmade
// kernels with the built-ins' predictions and gradients.

import {MathBackendCPU} from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import * as hm from '../../src';
import {argmaxes} from '../../src/builtin_adapters';
import {
  countingHandmade,
  expectUnreachedArgmaxDropped,
  OVERRIDDEN_NAMES,
  tfModel,
} from '../cases/override';
import {distinct} from '../helpers/random';

const KERNELS = OVERRIDDEN_NAMES;
const GRADIENTS = [
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'MaxPool',
  'DepthwiseConv2dNative',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
];
/** The kernels a training step of tfModel runs (FusedDepthwiseConv2D is no layer's). */
const TRAINING_KERNELS = KERNELS.filter((k) => k !== 'FusedDepthwiseConv2D');

const snapshot = () => ({
  kernels: KERNELS.map((k) => tf.getKernel(k, 'cpu')),
  gradients: GRADIENTS.map((k) => tf.getGradient(k)),
});

function expectSame(a: ReturnType<typeof snapshot>, b: ReturnType<typeof snapshot>): void {
  a.kernels.forEach((k, i) =>
    expect({name: KERNELS[i], k}).toEqual({name: KERNELS[i], k: b.kernels[i]}),
  );
  a.kernels.forEach((k, i) => expect(k).toBe(b.kernels[i]));
  a.gradients.forEach((g, i) => expect(g).toBe(b.gradients[i]));
}

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(
    () =>
      tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-30),
  );
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => hm.uninstallBuiltins());

describe('install and uninstall', () => {
  test('uninstall restores the very registrations that were there before', () => {
    const before = snapshot();
    expect(before.kernels.every((k) => k != null)).toBe(true);
    expect(tf.getGradient('Conv2DBackpropFilter')).toBeUndefined();
    hm.installAsBuiltins();
    const during = snapshot();
    during.kernels.forEach((k, i) => expect(k).not.toBe(before.kernels[i]));
    during.gradients.forEach((g, i) => expect(g).not.toBe(before.gradients[i]));
    expect(hm.builtinsInstalledOn()).toEqual([...hm.BACKENDS]);
    hm.uninstallBuiltins();
    expectSame(snapshot(), before);
    expect(hm.builtinsInstalledOn()).toEqual([]);
  });

  test('installing twice and uninstalling twice are safe', () => {
    const before = snapshot();
    hm.installAsBuiltins();
    const once = snapshot();
    hm.installAsBuiltins({backends: ['cpu']});
    expectSame(snapshot(), once);
    hm.uninstallBuiltins();
    hm.uninstallBuiltins();
    expectSame(snapshot(), before);
  });

  test(
    'a tfjs package registering over the override: installing again puts it back, and ' +
      'uninstall restores the newer registration',
    () => {
      const before = snapshot();
      hm.installAsBuiltins();
      const installed = snapshot();
      // What importing tfjs-backend-cpu / tfjs-layers again does: register the built-ins again
      // (as new config objects).
      const reConv = {...before.kernels[0]};
      const reMaxPoolGrad = {...before.gradients[3]};
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      tf.registerKernel(reConv);
      warn.mockRestore();
      tf.registerGradient(reMaxPoolGrad);
      expect(tf.getKernel('Conv2D', 'cpu')).toBe(reConv);
      hm.installAsBuiltins();
      expectSame(snapshot(), installed);
      hm.uninstallBuiltins();
      const after = snapshot();
      expect(after.kernels[0]).toBe(reConv);
      expect(after.gradients[3]).toBe(reMaxPoolGrad);
      after.kernels.slice(1).forEach((k, i) => expect(k).toBe(before.kernels[i + 1]));
      // Put the originals back for the other tests.
      tf.unregisterKernel('Conv2D', 'cpu');
      tf.registerKernel(before.kernels[0]);
      tf.registerGradient(before.gradients[3]!);
    },
  );

  test(
    "depthwise: false leaves tfjs's depthwise kernels and gradient in place; a later call " +
      'routes them, and uninstall restores all',
    () => {
      const before = snapshot();
      const depthwise = (s: ReturnType<typeof snapshot>) => [
        ...KERNELS.map((k, i) => [k, s.kernels[i]] as const).filter(([k]) =>
          k.includes('Depthwise'),
        ),
        ...GRADIENTS.map((k, i) => [k, s.gradients[i]] as const).filter(([k]) =>
          k.includes('Depthwise'),
        ),
      ];
      hm.installAsBuiltins({depthwise: false});
      const convOnly = snapshot();
      depthwise(convOnly).forEach(([, k], i) => expect(k).toBe(depthwise(before)[i][1]));
      expect(convOnly.kernels[0]).not.toBe(before.kernels[0]);
      expect(hm.builtinsInstalledOn()).toEqual([...hm.BACKENDS]);
      hm.installAsBuiltins();
      depthwise(snapshot()).forEach(([, k], i) => expect(k).not.toBe(depthwise(before)[i][1]));
      hm.installAsBuiltins({depthwise: false});
      expectSame(snapshot(), convOnly);
      hm.uninstallBuiltins();
      expectSame(snapshot(), before);
      expect(() => hm.installAsBuiltins({depthwise: 'yes' as unknown as boolean})).toThrow(
        /depthwise must be true or false, got "yes"/,
      );
    },
  );

  test('a backend without handmade kernels is a clear error', () => {
    expect(() => hm.installAsBuiltins({backends: ['webgpu']})).toThrow(
      `backend 'webgpu' has no handmade kernels; the kernel table has: ${hm.BACKENDS.join(', ')}`,
    );
    expect(() => hm.installAsBuiltins({backends: []})).toThrow(/non-empty array/);
  });
});

/** Prediction and one training step's gradients (loss: sum of squares of the output). */
function predictAndGrads(model: tfl.LayersModel, x: tf.Tensor): {y: tf.Tensor; grads: tf.Tensor[]} {
  const y = model.predict(x) as tf.Tensor;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const {value, grads} = tf.variableGrads(
    () => tf.sum(tf.square(model.apply(x, {training: true}) as tf.Tensor)) as tf.Scalar,
    vars,
  );
  value.dispose();
  return {y, grads: vars.map((v) => grads[v.name])};
}

describe('an unmodified tf.layers model runs on the handmade kernels', () => {
  test(
    "predictions and gradients equal the built-ins'; the profile names tfjs's kernels, " +
      'and the handmade kernels ran inside them',
    async () => {
      const model = tfModel();
      const x = tf.randomUniform([3, 10, 10, 2], -1, 1, 'float32', 9);
      const reference = predictAndGrads(model, x);

      const before = tf.memory().numTensors;
      hm.installAsBuiltins();
      const {result, counts} = await countingHandmade(async () => {
        const profile = await tf.profile(() => {
          const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
          const {value, grads} = tf.variableGrads(
            () => tf.sum(tf.square(model.apply(x, {training: true}) as tf.Tensor)) as tf.Scalar,
            vars,
          );
          tf.dispose([value, ...Object.values(grads)]);
          tf.dispose(model.predict(x) as tf.Tensor);
        });
        return {kernelNames: profile.kernelNames, ours: predictAndGrads(model, x)};
      });
      const {kernelNames, ours} = result;
      for (const name of TRAINING_KERNELS) expect(kernelNames).toContain(name);
      expect(kernelNames.filter((k) => k.startsWith('Handmade'))).toEqual([]);
      for (const name of [
        'HandmadeConv2D',
        'HandmadeConv2DBackpropInput',
        'HandmadeConv2DBackpropFilter',
        'HandmadeFusedConv2D',
        'HandmadeMaxPool',
        'HandmadeMaxPoolGrad',
        'HandmadeMaxPoolValues',
      ]) {
        expect({name, ran: counts[name] > 0}).toEqual({name, ran: true});
      }
      expect(maxRelDiff(ours.y, reference.y)).toBeLessThan(1e-5);
      ours.grads.forEach((g, i) => expect(maxRelDiff(g, reference.grads[i])).toBeLessThan(1e-4));
      tf.dispose([ours.y, ...ours.grads]);
      expect(tf.memory().numTensors).toBe(before);
      hm.uninstallBuiltins();
      tf.dispose([x, reference.y, ...reference.grads]);
      model.dispose();
    },
  );

  test('a model loaded with tf.loadLayersModel runs on them with the same predictions', async () => {
    const model = tfModel();
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
      }),
    );
    const x = tf.randomUniform([2, 10, 10, 2], -1, 1, 'float32', 10);
    const expected = model.predict(x) as tf.Tensor;
    hm.installAsBuiltins();
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const {result: y, counts} = await countingHandmade(() => loaded.predict(x) as tf.Tensor);
    expect(counts.HandmadeFusedConv2D).toBe(2);
    // Inference needs no argmax: tfjs's MaxPool runs the values-only kernel.
    expect(counts.HandmadeMaxPoolValues).toBe(2);
    expect(counts.HandmadeMaxPool ?? 0).toBe(0);
    expect(maxRelDiff(y, expected)).toBeLessThan(1e-5);
    // model.fit on the loaded model runs the handmade backward kernels.
    loaded.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
    const target = tf.zerosLike(expected);
    const fit = await countingHandmade(() => loaded.fit(x, target, {epochs: 1, verbose: 0}));
    expect(fit.counts.HandmadeConv2DBackpropFilter).toBeGreaterThan(0);
    expect(fit.counts.HandmadeMaxPoolGrad).toBeGreaterThan(0);
    tf.dispose([x, expected, y, target]);
    model.dispose();
    loaded.dispose();
  });
});

describe("the gradients installed under tfjs's names", () => {
  test("tf.conv2d with dilations trains (tfjs's own gradient throws) and matches hm.conv2d", () => {
    const x = tf.randomUniform([2, 9, 9, 3], -1, 1, 'float32', 12) as tf.Tensor4D;
    const w = tf.randomUniform([3, 3, 3, 2], -1, 1, 'float32', 13) as tf.Tensor4D;
    const f = (op: typeof tf.conv2d) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(op(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same', 'NHWC', 2)));
    expect(() => tf.grads(f(tf.conv2d))([x, w])).toThrow(/dilation/);
    const expected = tf.grads(f(hm.conv2d as typeof tf.conv2d))([x, w]);
    hm.installAsBuiltins();
    const got = tf.grads(f(tf.conv2d))([x, w]);
    got.forEach((g, i) => expect(maxRelDiff(g, expected[i])).toBeLessThan(1e-5));
    tf.dispose([x, w, ...expected, ...got]);
  });

  test('tf.maxPool and tf.conv2d keep dimRoundingMode in their gradients', () => {
    const x = tf.randomUniform([1, 6, 6, 2], -1, 1, 'float32', 14) as tf.Tensor4D;
    const w = tf.randomUniform([2, 2, 2, 2], -1, 1, 'float32', 15) as tf.Tensor4D;
    const pool = (op: typeof tf.maxPool) => (a: tf.Tensor) =>
      tf.sum(op(a as tf.Tensor4D, 3, 2, 1, 'ceil'));
    const conv = (op: typeof tf.conv2d) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(op(a as tf.Tensor4D, b as tf.Tensor4D, 2, 1, 'NHWC', 1, 'ceil')));
    const expectedPool = tf.grad(pool(hm.maxPool as typeof tf.maxPool))(x);
    const expectedConv = tf.grads(conv(hm.conv2d as typeof tf.conv2d))([x, w]);
    hm.installAsBuiltins();
    const gotPool = tf.grad(pool(tf.maxPool))(x);
    const gotConv = tf.grads(conv(tf.conv2d))([x, w]);
    expect(maxRelDiff(gotPool, expectedPool)).toBe(0);
    gotConv.forEach((g, i) => expect(maxRelDiff(g, expectedConv[i])).toBeLessThan(1e-5));
    tf.dispose([x, w, expectedPool, gotPool, ...expectedConv, ...gotConv]);
  });
});

describe("tfjs's depthwise kernels under the override", () => {
  const x = () => tf.randomUniform([2, 9, 8, 3], -1, 1, 'float32', 18) as tf.Tensor4D;
  const w = () => tf.randomUniform([3, 3, 3, 2], -1, 1, 'float32', 19) as tf.Tensor4D;
  type Depthwise = typeof tf.depthwiseConv2d;
  const loss =
    (op: Depthwise, dilations: number, pad: 'same' | number = 'same', rounding?: 'ceil') =>
    (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.square(
          op(
            a as tf.Tensor4D,
            b as tf.Tensor4D,
            2 - (dilations > 1 ? 1 : 0),
            pad,
            'NHWC',
            dilations,
            rounding,
          ),
        ),
      );

  test("run the handmade kernels, forward and backward, with the results of tfjs's own", async () => {
    const [xt, wt] = [x(), w()];
    const expected = tf.grads(loss(tf.depthwiseConv2d, 1))([xt, wt]);
    const expectedFused = tf.fused.depthwiseConv2d({
      x: xt,
      filter: wt,
      strides: 1,
      pad: 'valid',
      bias: tf.ones([6]),
      activation: 'relu6',
    });
    hm.installAsBuiltins();
    const before = tf.memory().numTensors;
    const {result, counts} = await countingHandmade(() => [
      ...tf.grads(loss(tf.depthwiseConv2d, 1))([xt, wt]),
      tf.fused.depthwiseConv2d({
        x: xt,
        filter: wt,
        strides: 1,
        pad: 'valid',
        bias: tf.ones([6]),
        activation: 'relu6',
      }),
    ]);
    expect(counts).toMatchObject({
      HandmadeConv2D: 1,
      HandmadeConv2DBackpropInput: 1,
      HandmadeConv2DBackpropFilter: 1,
      HandmadeFusedConv2D: 1,
    });
    result.slice(0, 2).forEach((g, i) => expect(maxRelDiff(g, expected[i])).toBeLessThan(1e-5));
    expect(maxRelDiff(result[2], expectedFused)).toBeLessThan(1e-5);
    tf.dispose(result);
    expect(tf.memory().numTensors).toBe(before + 1); // the bias made inside the counted call
    tf.dispose([xt, wt, ...expected, expectedFused]);
  });

  test(
    "tf.depthwiseConv2d with dilations trains (tfjs's own gradient throws), keeps " +
      'dimRoundingMode, and has second-order gradients',
    () => {
      const [xt, wt] = [x(), w()];
      expect(() => tf.grads(loss(tf.depthwiseConv2d, 2))([xt, wt])).toThrow(/dilation/);
      const hmOp = hm.depthwiseConv2d as Depthwise;
      const expected = [
        ...tf.grads(loss(hmOp, 2))([xt, wt]),
        ...tf.grads(loss(hmOp, 1, 1, 'ceil'))([xt, wt]),
        tf.grad((a: tf.Tensor) => tf.sum(tf.grads(loss(hmOp, 1))([a, wt])[1]))(xt),
      ];
      hm.installAsBuiltins();
      const got = [
        ...tf.grads(loss(tf.depthwiseConv2d, 2))([xt, wt]),
        ...tf.grads(loss(tf.depthwiseConv2d, 1, 1, 'ceil'))([xt, wt]),
        tf.grad((a: tf.Tensor) => tf.sum(tf.grads(loss(tf.depthwiseConv2d, 1))([a, wt])[1]))(xt),
      ];
      got.forEach((g, i) => expect(maxRelDiff(g, expected[i])).toBeLessThan(1e-5));
      tf.dispose([xt, wt, ...expected, ...got]);
    },
  );

  test("NCHW goes to tfjs's own kernel, which reads x as NHWC whatever dataFormat says", async () => {
    // Three channels on axis 1 as NCHW, and on axis 3 as tfjs's kernels read it.
    const xt = tf.randomUniform([1, 3, 6, 3], -1, 1, 'float32', 20) as tf.Tensor4D;
    const wt = tf.randomUniform([3, 3, 3, 1], -1, 1, 'float32', 21) as tf.Tensor4D;
    const expected = tf.depthwiseConv2d(xt, wt, 1, 'same', 'NCHW');
    hm.installAsBuiltins();
    const {result, counts} = await countingHandmade(() =>
      tf.depthwiseConv2d(xt, wt, 1, 'same', 'NCHW'),
    );
    expect(counts.HandmadeConv2D).toBe(0);
    expect(maxRelDiff(result, expected)).toBe(0);
    tf.dispose([xt, wt, expected, result]);
  });
});

describe('training through tf.maxPool under the override', () => {
  test('runs one max-pool forward a step: MaxPoolGrad takes the argmax the forward kept', async () => {
    const x = tf.tensor4d(distinct(2 * 6 * 6 * 3, 17), [2, 6, 6, 3]);
    const loss = (a: tf.Tensor) => tf.sum(tf.square(tf.maxPool(a as tf.Tensor4D, 2, 2, 'same')));
    const expected = tf.grad(loss)(x); // tfjs's own kernels
    hm.installAsBuiltins();
    const before = tf.memory();
    const {result: got, counts} = await countingHandmade(() => tf.grad(loss)(x));
    expect(counts.HandmadeMaxPool).toBe(1); // the forward, with its argmax
    expect(counts.HandmadeMaxPoolValues).toBe(0);
    expect(counts.HandmadeMaxPoolGrad).toBe(1);
    expect(argmaxes.size).toBe(0);
    expect(maxRelDiff(got, expected)).toBe(0);
    got.dispose();
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);

    // Outside a gradient the forward computes no argmax.
    const plain = await countingHandmade(() => tf.maxPool(x, 2, 2, 'same'));
    expect(plain.counts).toMatchObject({HandmadeMaxPool: 0, HandmadeMaxPoolValues: 1});
    plain.result.dispose();

    expectUnreachedArgmaxDropped(x);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    tf.dispose([x, expected]);
  });
});

describe('a backend the override is not installed on', () => {
  test("keeps tfjs's own gradients (the installed ones fall back to them there)", async () => {
    // A second cpu backend holding copies of the kernels as they are now (tfjs's built-ins).
    tf.registerBackend('cpucopy', () => new MathBackendCPU());
    tf.copyRegisteredKernels('cpu', 'cpucopy');
    hm.installAsBuiltins({backends: ['cpu']});
    const x = tf.randomUniform([1, 7, 7, 2], -1, 1, 'float32', 16) as tf.Tensor4D;
    const w = tf.randomUniform([3, 3, 2, 2], -1, 1, 'float32', 17) as tf.Tensor4D;
    const loss = (dilations: number) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same', 'NHWC', dilations)),
      );
    const onCpu = tf.grads(loss(1))([x, w]);
    const data = await Promise.all(onCpu.map((g) => g.data()));
    await tf.setBackend('cpucopy');
    try {
      const [x2, w2] = [tf.tensor(x.dataSync(), x.shape), tf.tensor(w.dataSync(), w.shape)];
      expect(() => tf.grads(loss(2))([x2, w2])).toThrow(/dilation rates greater than 1/);
      const onCopy = tf.grads(loss(1))([x2, w2]);
      onCopy.forEach((g, i) =>
        expect(maxRelDiff(g, tf.tensor(data[i], g.shape))).toBeLessThan(1e-5),
      );
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('cpucopy');
    }
    tf.dispose([x, w, ...onCpu]);
  });
});
