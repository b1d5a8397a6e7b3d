// The page of `npm run bench:models` on webgl (headless Chromium, WebGL2 on SwiftShader): the
// model suite (model_cases.ts) with tfjs's own kernels, under installAsBuiltins(), or under
// installAsBuiltins({depthwise: false}), one model and one mode in a fresh page, so that each
// first call compiles its own shaders.

import '../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {installAsBuiltins} from '../src/index';
import {type Mode, modelCase, timeModel} from './model_cases';

export type PageModelTiming = {firstMs: number; medianMs: number; output: number[]} | string;

declare global {
  interface Window {
    hmModels: {
      time(name: string, runs: number, warmup: number, mode: Mode): Promise<PageModelTiming>;
    };
  }
}

window.hmModels = {
  async time(name, runs, warmup, mode) {
    if (!(await tf.setBackend('webgl'))) throw new Error("tf.setBackend('webgl') failed");
    await tf.ready();
    if (mode !== 'tfjs') installAsBuiltins({depthwise: mode === 'override'});
    const t = await timeModel(modelCase(name), runs, warmup);
    return typeof t === 'string' ? t : {...t, output: Array.from(t.output)};
  },
};
