// The bench's page in headless Chromium: tfjs, the plugin and the harness (src/compare) in one
// bundle, exposed as window.hmBench. Rows stream back through window.hmBenchRow (set by
// bench/run.ts) as they are measured.

import '../src/index';

import * as tf from '@tensorflow/tfjs-core';

import {compareActiveBackend, CompareRow} from '../src/compare/compare';
import {benchOptions, BenchSelection, selectedCases} from './selection';

declare global {
  interface Window {
    hmBench: {run(selection: BenchSelection): Promise<{rows: CompareRow[]; info: PageBenchInfo}>};
    hmBenchRow?: (row: CompareRow) => Promise<void>;
  }
}

export interface PageBenchInfo {
  userAgent: string;
  renderer: string;
  renderFloat32: boolean;
}

function rendererName(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl == null) return 'no WebGL2';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext != null ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

window.hmBench = {
  async run(selection) {
    if (!(await tf.setBackend('webgl'))) throw new Error("tf.setBackend('webgl') failed");
    await tf.ready();
    const info = {
      userAgent: navigator.userAgent,
      renderer: rendererName(),
      renderFloat32: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
    };
    const rows = await compareActiveBackend(
      selectedCases(selection),
      benchOptions(selection),
      async (row) => {
        await window.hmBenchRow?.(row);
      },
    );
    return {rows, info};
  },
};
