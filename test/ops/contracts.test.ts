// The kernels' contracts on the cpu backend (test/cases/contracts.ts): clear errors for kernel
// calls whose inputs contradict their attributes, tfjs's results on zero-sized axes, and tfjs's
// own dtypes, shapes and values under installAsBuiltins. Also that the expectations of the
// zero-sized cases are tfjs's: tfjs's own cpu ops give what the handmade ones give.

import * as tf from '@tensorflow/tfjs-core';

import * as hm from '../../src/index';
import {
  emptyAxisCases,
  emptyConvGeometries,
  emptyPoolGeometries,
  kernelErrorCases,
  overrideContractCases,
  overrideErrorCases,
} from '../cases/contracts';

beforeAll(() => tf.setBackend('cpu'));
afterEach(() => hm.uninstallBuiltins());

test('every kernel, called directly, throws a clear error for inputs that contradict its attributes', async () => {
  const r = await kernelErrorCases();
  expect(r.problems).toEqual([]);
  expect(r.cases).toBeGreaterThan(40);
});

test("zero-sized axes: ops, gradients and kernels give tfjs's shapes and values", async () => {
  const r = await emptyAxisCases();
  expect(r.problems).toEqual([]);
  expect(r.cases).toBeGreaterThan(100);
});

test("zero-sized axes: tfjs's own cpu ops give exactly what the handmade ones give", () => {
  const problems: string[] = [];
  const same = (label: string, a: tf.Tensor, b: tf.Tensor) => {
    if (a.dtype !== b.dtype || String(a.shape) !== String(b.shape)) {
      problems.push(`${label}: hm ${a.dtype} [${a.shape}], tfjs ${b.dtype} [${b.shape}]`);
    } else if (String(a.dataSync()) !== String(b.dataSync())) {
      problems.push(`${label}: values differ`);
    }
  };
  // tfjs has no groups, and its own conv gradient takes NHWC only.
  for (const c of emptyConvGeometries().filter((g) => g.x[g.df === 'NHWC' ? 3 : 1] === g.w[2])) {
    tf.tidy(() => {
      const [x, w] = [tf.ones(c.x) as tf.Tensor4D, tf.ones(c.w) as tf.Tensor4D];
      const label = `conv x[${c.x}] w[${c.w}] s${c.s} ${JSON.stringify(c.pad)} ${c.df}`;
      same(label, hm.conv2d(x, w, c.s, c.pad, c.df), tf.conv2d(x, w, c.s, c.pad, c.df));
      if (c.df === 'NHWC') {
        const loss = (op: typeof tf.conv2d) => (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(op(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad));
        const [g1, g2] = [tf.grads(loss(hm.conv2d))([x, w]), tf.grads(loss(tf.conv2d))([x, w])];
        same(`${label} dx`, g1[0], g2[0]);
        same(`${label} dW`, g1[1], g2[1]);
      }
    });
  }
  for (const c of emptyPoolGeometries().filter((p) => p.df === 'NHWC')) {
    tf.tidy(() => {
      const x = tf.ones(c.x) as tf.Tensor4D;
      const label = `pool x[${c.x}] ${c.k}/${c.s} ${JSON.stringify(c.pad)}`;
      same(label, hm.maxPool(x, c.k, c.s, c.pad), tf.maxPool(x, c.k, c.s, c.pad));
      const loss = (op: typeof tf.maxPool) => (a: tf.Tensor) =>
        tf.sum(op(a as tf.Tensor4D, c.k, c.s, c.pad));
      same(`${label} dx`, tf.grad(loss(hm.maxPool))(x), tf.grad(loss(tf.maxPool))(x));
    });
  }
  for (const activation of [
    'relu',
    'sigmoid',
    'elu',
    'leakyrelu',
    'prelu',
    'relu6',
    'linear',
  ] as hm.Activation[]) {
    tf.tidy(() => {
      const args = {
        x: tf.ones([1, 3, 2, 0]) as tf.Tensor4D,
        filter: tf.ones([3, 3, 0, 2]) as tf.Tensor4D,
        strides: 1,
        pad: 'same' as const,
        bias: tf.tensor1d([-1.5, 2]),
        activation,
        preluActivationWeights: tf.tensor1d([0.5, 3]),
        leakyreluAlpha: 0.3,
      };
      const [a, b] = [hm.fused.conv2d(args), tf.fused.conv2d(args)];
      if (
        String(a.shape) !== String(b.shape) ||
        Array.from(a.dataSync()).some((v, i) => Math.abs(v - b.dataSync()[i]) > 1e-6)
      ) {
        problems.push(`fused ${activation}: hm ${a.dataSync()}, tfjs ${b.dataSync()}`);
      }
    });
  }
  expect(problems).toEqual([]);
});

test("under installAsBuiltins, tfjs's ops throw the same clear errors for a dy of the wrong shape", async () => {
  const r = await overrideErrorCases();
  expect(r.problems).toEqual([]);
});

test("under installAsBuiltins, every form of tfjs's six kernels keeps tfjs's dtype, shape and values", async () => {
  const r = await overrideContractCases(1e-5);
  expect(r.problems).toEqual([]);
  expect(r.skipped).toEqual([]); // tfjs's cpu kernels take every form
  expect(r.cases).toBeGreaterThan(150);
});

test('under installAsBuiltins: an int32 max pool stays int32, a bias broadcasting the batch widens y', () => {
  hm.installAsBuiltins({backends: ['cpu']});
  tf.tidy(() => {
    const p = tf.maxPool(tf.tensor4d([1, 2, 3, 16777217], [1, 2, 2, 1], 'int32'), 2, 2, 'valid');
    expect(p.dtype).toBe('int32');
    expect(Array.from(p.dataSync())).toEqual([16777217]);
    const y = tf.fused.conv2d({
      x: tf.ones([1, 6, 6, 2]) as tf.Tensor4D,
      filter: tf.ones([3, 3, 2, 3]) as tf.Tensor4D,
      strides: 1,
      pad: 'same',
      bias: tf.ones([2, 6, 6, 3]),
    });
    expect(y.shape).toEqual([2, 6, 6, 3]);
  });
});
