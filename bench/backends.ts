// The backends the bench times on. cpu and wasm run in node, in the bench's own process; webgl
// runs in a page of headless Chromium (bench/page.ts), WebGL2 on SwiftShader.

import '@tensorflow/tfjs-backend-cpu';

import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as path from 'path';

import type {HostPath} from '../kernels/simd/runtime';

// cpu-scalar and wasm-scalar are the cpu and wasm backends with the host kernels on their scalar
// path (hm.setHostPath('scalar')): what the WebAssembly SIMD kernels bring, in the same run.
export const ALL_BACKENDS = ['cpu', 'cpu-scalar', 'webgl', 'wasm', 'wasm-scalar'] as const;
export type BenchBackendName = (typeof ALL_BACKENDS)[number];
/** Without --backends: all but wasm-scalar. */
export const DEFAULT_BACKENDS: readonly BenchBackendName[] = ['cpu', 'cpu-scalar', 'webgl', 'wasm'];

/** The tfjs backend under a bench backend's name, and its host path. */
export function nodeBackendOf(name: BenchBackendName): {tfjs: 'cpu' | 'wasm'; hostPath: HostPath} {
  const [tfjs, variant] = name.split('-');
  if (tfjs !== 'cpu' && tfjs !== 'wasm') throw new Error(`'${name}' does not run in node`);
  return {tfjs, hostPath: variant === 'scalar' ? 'scalar' : 'simd'};
}

/** Makes a node backend the active one. */
export async function setupNodeBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm') {
    // The bench runs as a bundle in dist/bench/: point the wasm backend at its binaries, which
    // it would otherwise look for next to the bundle.
    setWasmPaths(
      path.resolve(
        __dirname,
        '..',
        '..',
        'node_modules',
        '@tensorflow',
        'tfjs-backend-wasm',
        'dist',
      ) + path.sep,
    );
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}
