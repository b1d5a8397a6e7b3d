// The bench's page in headless Chromium: tfjs, the plugin and the shared timing code
// (bench/timing.ts) in one bundle, exposed as window.hmBench. Rows stream back through
// window.hmBenchRow (set by bench/run.ts) as they are measured.

import * as tf from '@tensorflow/tfjs-core';
import '../src/index';
import {benchActiveBackend, Row, TimingOptions} from './timing';

declare global {
  interface Window {
    hmBench: {run(options: TimingOptions): Promise<{rows: Row[]; info: PageBenchInfo}>};
    hmBenchRow?: (row: Row) => Promise<void>;
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
  async run(options) {
    if (!(await tf.setBackend('webgl'))) throw new Error('tf.setBackend(\'webgl\') failed');
    await tf.ready();
    const info = {userAgent: navigator.userAgent, renderer: rendererName(),
                  renderFloat32: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')};
    const rows = await benchActiveBackend(options, async (row) => {
      await window.hmBenchRow?.(row);
    });
    return {rows, info};
  },
};
