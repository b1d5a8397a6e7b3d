// The backends the bench can time on. Only cpu for now; webgl and wasm get an entry here (a
// name and a setup that makes it the active backend) when their kernels exist.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export interface BenchBackend {
  name: string;
  setup(): Promise<void>;
}

export const BENCH_BACKENDS: readonly BenchBackend[] = [
  {name: 'cpu', setup: async () => { await tf.setBackend('cpu'); }},
];
