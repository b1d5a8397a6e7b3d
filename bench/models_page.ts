// The page of `npm run bench:models` on webgl (headless Chromium, WebGL2 on SwiftShader): the
// model suite (model_cases.ts, and the pretrained models that node hands it) with tfjs's own
// kernels, under installAsBuiltins(), or under installAsBuiltins({depthwise: false}). `first`
// times one model's first call in one mode, in a fresh page, so that it compiles its own
// shaders; `rounds` times the warm calls of all the modes in one page, in rounds.

import '../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {installAsBuiltins} from '../src/index';
import {
  type Mode,
  modelCase,
  registerModelCase,
  type Rounds,
  startModel,
  timeInRounds,
  type Warmup,
} from './model_cases';
import {pretrainedCase, type PretrainedFiles} from './pretrained_cases';

export type PageModelTiming = {firstMs: number; output: number[]} | string;

/** A pretrained model's files as they cross into the page: model.json, and the weights in
 *  base64. */
export interface PageFiles {
  json: PretrainedFiles['json'];
  weightsBase64: string;
}

declare global {
  interface Window {
    hmModels: {
      /** Makes a pretrained model a case of this page's suite (pretrained_cases.ts). */
      addPretrained(name: string, what: string, files: PageFiles): void;
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
  addPretrained(name, what, files) {
    const bytes = Uint8Array.from(atob(files.weightsBase64), (c) => c.charCodeAt(0));
    registerModelCase(pretrainedCase(name, what, {json: files.json, weights: bytes.buffer}));
  },
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
