// MaxPoolGradProgram: HandmadeMaxPoolGrad. The cpu kernel scatters dy to the argmax cells;
// WebGL cannot scatter, so each dx cell gathers instead: it visits every window that contains it
// (windows.ts: one found by a division where the windows tile the input, a range of them without
// dilation, else every tap solved in integers) and adds that window's dy if the window's argmax
// names this very tap. The geometry is baked in as constants.
//
// cellGradGlsl is that visit, written once for this program (one channel per fragment) and for
// MaxPoolGradPackedProgram (two, max_pool_packed_programs.ts): each defines GRAD (float or vec2)
// and windowGrad(b, yR, yC, d, ownTap), the dy of window (yR, yC) where its argmax is ownTap,
// else 0.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {layoutGlsl} from './layout';
import {windowConstantsGlsl} from './uniforms';
import {TAP_OF_GLSL, WindowSearch, windowSearch, windowSearchGlsl} from './windows';

// dx[b,xR,xC,d] = Σ dy[b,yR,yC,d] over the windows (yR, yC) holding (xR, xC) whose argmax is the
// tap at which they hold it.
const CELL_GRAD: Record<WindowSearch, string> = {
  'every tap': `
GRAD cellGrad(int b, int xR, int xC, int d) {
  GRAD sum = GRAD(0.0);
  for (int wR = 0; wR < filterSize.x; wR++) {
    int yR = solveRow(xR, wR);
    if (yR < 0) continue;
    for (int wC = 0; wC < filterSize.y; wC++) {
      int yC = solveColumn(xC, wC);
      if (yC >= 0) sum += windowGrad(b, yR, yC, d, wR * filterSize.y + wC);
    }
  }
  return sum;
}`,
  range: `
GRAD cellGrad(int b, int xR, int xC, int d) {
  ivec2 first = firstWindow(xR, xC);
  ivec2 last = lastWindow(xR, xC);
  GRAD sum = GRAD(0.0);
  for (int yR = first.x; yR <= last.x; yR++) {
    for (int yC = first.y; yC <= last.y; yC++) {
      sum += windowGrad(b, yR, yC, d, windowTap(xR, xC, yR, yC));
    }
  }
  return sum;
}`,
  tiled: `
GRAD cellGrad(int b, int xR, int xC, int d) {
  ivec2 y = tiledWindow(xR, xC);
  return y.x < 0 ? GRAD(0.0) : windowGrad(b, y.x, y.y, d, windowTap(xR, xC, y.x, y.y));
}`,
};

/** The window geometry as constants, the window search for g, the program's `windowGrad` and
 *  cellGrad over it. */
export function cellGradGlsl(g: ConvGeometry, windowGrad: string): string {
  const search = windowSearch(g);
  return [
    windowConstantsGlsl(g),
    TAP_OF_GLSL,
    windowSearchGlsl(search),
    windowGrad,
    CELL_GRAD[search],
  ].join('\n');
}

const WINDOW_GRAD = `
#define GRAD float
float windowGrad(int b, int yR, int yC, int d, int ownTap) {
  return tapOf(readArgmax(b, yR, yC, d)) == ownTap ? readDy(b, yR, yC, d) : 0.0;
}`;

const MAIN = `
void main() {
  ivec4 o = outputBRCD();
  setOutput(cellGrad(o.x, o.y, o.z, o.w));
}`;

export class MaxPoolGradProgram implements GPGPUProgram {
  variableNames = ['dy', 'argmax'];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.inShape;
    this.userCode = [
      layoutGlsl(g.dataFormat, ['dy', 'argmax'], true),
      cellGradGlsl(g, WINDOW_GRAD),
      MAIN,
    ].join('\n');
  }
}
