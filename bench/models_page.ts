// The page of `npm run bench:models` on webgl (headless Chromium, WebGL2 on SwiftShader): the
// model suite (model_cases.ts) with tfjs's own kernels, under installAsBuiltins(), or under
// installAsBuiltins({depthwise: false}). `first` times one model's first call in one mode, in a
// fresh page, so that it compiles its own shaders; `rounds` times the warm calls of all the
// modes in one page, in rounds.

import '../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {installAsBuiltins} from '../src/index';
import {
  type Mode,
  modelCase,
  type Rounds,
  startModel,
  timeInRounds,
  type Warmup,
} from './model_cases';

export type PageModelTiming = {firstMs: number; output: number[]} | string;

declare global {
  interface Window {
    hmModels: {
      first(name: string, mode: Mode): Promise<PageModelTiming>;
      rounds(
        name: string,
        rounds: Rounds,
        warmup: Warmup,
        modes: Mode[],
      ): Promise<({medianMs: number; runs: number} | string)[]>;
    };
  }
}

async function webgl(): Promise<void> {
  if (!(await tf.setBackend('webgl'))) throw new Error("tf.setBackend('webgl') failed");
  await tf.ready();
}

window.hmModels = {
  async first(name, mode) {
    await webgl();
    if (mode !== 'tfjs') installAsBuiltins({depthwise: mode === 'override'});
    const s = await startModel(modelCase(name), {calls: 0, budgetMs: 0});
    if (typeof s === 'string') return s;
    s.model.dispose();
    return {firstMs: s.firstMs, output: Array.from(s.output)};
  },
  async rounds(name, rounds, warmup, modes) {
    await webgl();
    const timings = await timeInRounds(modelCase(name), modes, rounds, warmup);
    return timings.map((t) => (typeof t === 'string' ? t : {medianMs: t.medianMs, runs: t.runs}));
  },
};
