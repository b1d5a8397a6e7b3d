// Importing the package registers the Handmade kernels and gradients, leaves tfjs's own kernels
// and gradients exactly as they were, and is idempotent: registering again changes nothing and
// warns about nothing.

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';

import * as tf from '@tensorflow/tfjs-core';

const BUILTIN = [
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'FusedConv2D',
  'MaxPool',
  'MaxPoolGrad',
];

test('import registers the table without touching tfjs, and registering again is a no-op', () => {
  const builtinsBefore = BUILTIN.map((n) => [tf.getKernel(n, 'cpu'), tf.getGradient(n)]);
  tf.env().set('IS_TEST', false); // let registry warnings through
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const hm = require('../src/index') as typeof import('../src/index');
    const registered = hm.KERNEL_TABLE.map((r) => [
      tf.getKernel(r.kernelName, 'cpu'),
      tf.getGradient(r.kernelName),
    ]);
    expect(registered.every(([k, g]) => k != null && g != null)).toBe(true);
    hm.registerHandmadeKernels();
    hm.registerHandmadeKernels();
    const again = hm.KERNEL_TABLE.map((r) => [
      tf.getKernel(r.kernelName, 'cpu'),
      tf.getGradient(r.kernelName),
    ]);
    again.forEach(([k, g], i) => {
      expect(k).toBe(registered[i][0]);
      expect(g).toBe(registered[i][1]);
    });
    expect(
      warn.mock.calls.filter(([m]) => /already registered|Overriding/.test(String(m))),
    ).toEqual([]);
    BUILTIN.forEach((n, i) => {
      expect(tf.getKernel(n, 'cpu')).toBe(builtinsBefore[i][0]);
      expect(tf.getGradient(n)).toBe(builtinsBefore[i][1]);
    });
  } finally {
    warn.mockRestore();
    tf.env().set('IS_TEST', true);
  }
});
