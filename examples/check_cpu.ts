// Runs each handmade kernel and its tfjs counterpart on the cpu backend, on built-in data (the
// LeNet layer shapes, seeded random values), and prints the largest difference and both times.
//   npm start

import '@tensorflow/tfjs-backend-cpu';

import * as tf from '@tensorflow/tfjs-core';

import * as hm from '../src/index';

function time(f: () => tf.Tensor | tf.Tensor[]): {ms: number; out: tf.Tensor[]} {
  const run = () => {
    const r = f();
    const list = Array.isArray(r) ? r : [r];
    list.forEach((t) => t.dataSync());
    return list;
  };
  tf.dispose(run()); // warm-up
  const times: number[] = [];
  let out: tf.Tensor[] = [];
  for (let i = 0; i < 5; i++) {
    tf.dispose(out);
    const start = performance.now();
    out = run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return {ms: times[2], out};
}

async function main() {
  await tf.setBackend('cpu');
  const x = tf.randomUniform([32, 28, 28, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomUniform([5, 5, 1, 8], -1, 1, 'float32', 2) as tf.Tensor4D;
  const x2 = tf.randomUniform([32, 14, 14, 8], -1, 1, 'float32', 3) as tf.Tensor4D;
  const w2 = tf.randomUniform([5, 5, 8, 16], -1, 1, 'float32', 4) as tf.Tensor4D;
  const b2 = tf.randomUniform([16], -1, 1, 'float32', 5);
  const loss = (y: tf.Tensor) => tf.sum(tf.square(y));
  const rows: [string, () => tf.Tensor | tf.Tensor[], () => tf.Tensor | tf.Tensor[]][] = [
    [
      'conv2d [32,28,28,1]*[5,5,1,8] same',
      () => hm.conv2d(x, w, 1, 'same'),
      () => tf.conv2d(x, w, 1, 'same'),
    ],
    [
      'conv2d [32,14,14,8]*[5,5,8,16] same',
      () => hm.conv2d(x2, w2, 1, 'same'),
      () => tf.conv2d(x2, w2, 1, 'same'),
    ],
    [
      'grads (dx, dW) of the second',
      () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          loss(hm.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')),
        )([x2, w2]),
      () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          loss(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')),
        )([x2, w2]),
    ],
    [
      'fused conv2d + bias + relu',
      () =>
        hm.fused.conv2d({x: x2, filter: w2, strides: 1, pad: 'same', bias: b2, activation: 'relu'}),
      () =>
        tf.fused.conv2d({x: x2, filter: w2, strides: 1, pad: 'same', bias: b2, activation: 'relu'}),
    ],
    [
      'maxPool 2x2/2 [32,14,14,8]',
      () => hm.maxPool(x2, 2, 2, 'valid'),
      () => tf.maxPool(x2, 2, 2, 'valid'),
    ],
    [
      'maxPool gradient',
      () => tf.grad((a: tf.Tensor) => loss(hm.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x2),
      () => tf.grad((a: tf.Tensor) => loss(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x2),
    ],
  ];
  console.log(
    'kernel'.padEnd(40),
    'max |diff|'.padStart(11),
    'handmade'.padStart(10),
    'tfjs'.padStart(10),
    'ratio'.padStart(7),
  );
  for (const [name, handmade, builtin] of rows) {
    const a = time(handmade);
    const b = time(builtin);
    let diff = 0;
    a.out.forEach((t, i) => {
      diff = Math.max(
        diff,
        tf.tidy(() => tf.max(tf.abs(tf.sub(t, b.out[i]))).dataSync()[0]),
      );
    });
    console.log(
      name.padEnd(40),
      diff.toExponential(2).padStart(11),
      `${a.ms.toFixed(1)} ms`.padStart(10),
      `${b.ms.toFixed(1)} ms`.padStart(10),
      `${(b.ms / a.ms).toFixed(1)}x`.padStart(7),
    );
    tf.dispose([...a.out, ...b.out]);
  }
  tf.dispose([x, w, x2, w2, b2]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
