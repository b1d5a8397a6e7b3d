// The backends the bench times on. cpu and wasm run in node, in the bench's own process; webgl
// runs in a page of headless Chromium (bench/page.ts), WebGL2 on SwiftShader.

import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';

export const ALL_BACKENDS = ['cpu', 'webgl', 'wasm'] as const;
export type BenchBackendName = typeof ALL_BACKENDS[number];

/** Makes a node backend the active one. */
export async function setupNodeBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm') {
    // The bench runs as a bundle in dist/bench/: point the wasm backend at its binaries, which
    // it would otherwise look for next to the bundle.
    setWasmPaths(path.resolve(__dirname, '..', '..', 'node_modules', '@tensorflow',
                              'tfjs-backend-wasm', 'dist') + path.sep);
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}
