// The only caller of tfjs's kernel and gradient registries. tfjs's backends and tfjs-layers are
// imported first: importing one of them after this module would register the built-ins again,
// and tfjs-layers is what registers tfjs's own gradients (the elementwise ones the handmade
// gradients use). Registering is idempotent: a row already registered with the same function is
// left alone, so importing the package twice (or calling this again) warns about nothing.

import '@tensorflow/tfjs-backend-cpu';
// A side-effect import on purpose: the webgl kernels import MathBackendWebGL as a type only,
// which the compiler erases, and the backend would then never register in a browser. (In node
// it registers its kernels but no backend; registering the handmade ones there is harmless.)
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-layers';

import * as tf from '@tensorflow/tfjs-core';

import {BACKENDS, KERNEL_TABLE} from './kernel_table';

export function registerHandmadeKernels(): void {
  for (const row of KERNEL_TABLE) {
    for (const backendName of BACKENDS) {
      const kernelFunc = row.backends[backendName];
      if (tf.getKernel(row.kernelName, backendName)?.kernelFunc === kernelFunc) continue;
      if (tf.getKernel(row.kernelName, backendName) != null) {
        tf.unregisterKernel(row.kernelName, backendName);
      }
      tf.registerKernel({kernelName: row.kernelName, backendName, kernelFunc});
    }
    if (tf.getGradient(row.kernelName) !== row.gradient) tf.registerGradient(row.gradient);
  }
}

registerHandmadeKernels();

// Routing tfjs's own kernel names to the handmade kernels: the registry calls for it live in
// builtins.ts, which this module owns.
export type {InstallOptions} from './builtins';
export {builtinsInstalledOn, installAsBuiltins, uninstallBuiltins} from './builtins';
