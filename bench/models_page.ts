// The page of `npm run bench:models` on webgl (headless Chromium, WebGL2 on SwiftShader): the
// model suite (model_cases.ts) with tfjs's own kernels or under installAsBuiltins(), one model and
// one of the two in a fresh page, so that each first call compiles its own shaders.

import '../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {installAsBuiltins} from '../src/index';
import {modelCase, timeModel} from './model_cases';

export type PageModelTiming = {firstMs: number; medianMs: number; output: number[]} | string;

declare global {
  interface Window {
    hmModels: {
      time(name: string, runs: number, warmup: number, override: boolean): Promise<PageModelTiming>;
    };
  }
}

window.hmModels = {
  async time(name, runs, warmup, override) {
    if (!(await tf.setBackend('webgl'))) throw new Error("tf.setBackend('webgl') failed");
    await tf.ready();
    if (override) installAsBuiltins();
    const t = await timeModel(modelCase(name), runs, warmup);
    return typeof t === 'string' ? t : {...t, output: Array.from(t.output)};
  },
};
