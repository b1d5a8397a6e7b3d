// MaxPoolGradProgram: HandmadeMaxPoolGrad. The cpu kernel scatters dy to the argmax cells;
// WebGL cannot scatter, so each dx cell gathers instead: it visits every window that contains it
// (the (yR, wR) with xR = yR*s - padTop + wR*dl, solved in integers as in the conv input
// gradient) and adds that window's dy if the window's argmax names this very tap.
//
// Three main()s, chosen by mainFor(): windows that tile the input without overlap (stride =
// window size, dilation 1, the common 2x2/2) put each dx cell in at most one window, found by one
// division, so the fragment reads one argmax and at most one dy (TILED_MAIN); other windows
// without dilation are visited as a range of (yR, yC) (RANGE_MAIN); dilated windows visit every
// tap and test it (MAIN). The geometry is baked in as constants.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {layoutGlsl} from './layout';
import {windowConstantsGlsl} from './uniforms';

const MAIN = `
void main() {
  ivec4 o = outputBRCD();
  int b = o.x;
  int d = o.w;
  float sum = 0.0;
  // dx[b,xR,xC,d] = Σ dy[b,yR,yC,d] over yR = (xR + padTop - wR*dl) / s integral in [0, outH) (columns alike) with argmax[b,yR,yC,d] = wR * fw + wC
  for (int wR = 0; wR < filterSize.x; wR++) {
    int yRScaled = o.y + pads.x - wR * dilations.x;
    if (yRScaled < 0 || yRScaled % strides.x != 0) continue;
    int yR = yRScaled / strides.x;
    if (yR >= outSize.x) continue;
    for (int wC = 0; wC < filterSize.y; wC++) {
      int yCScaled = o.z + pads.y - wC * dilations.y;
      if (yCScaled < 0 || yCScaled % strides.y != 0) continue;
      int yC = yCScaled / strides.y;
      if (yC >= outSize.y) continue;
      int tap = int(floor(readArgmax(b, yR, yC, d) + 0.5));
      if (tap == wR * filterSize.y + wC) sum += readDy(b, yR, yC, d);
    }
  }
  setOutput(sum);
}`;

// Dilation 1: the windows holding row xR are those with yR*s <= xR + padTop <= yR*s + fh - 1, a
// range of yR found by two divisions, and the tap is wR = xR + padTop - yR*s: no tap is visited
// that misses the cell.
const RANGE_MAIN = `
void main() {
  ivec4 o = outputBRCD();
  int b = o.x;
  int d = o.w;
  int xRPadded = o.y + pads.x;
  int xCPadded = o.z + pads.y;
  // (n + s - 1) / s is ceil(n / s) for n >= 0, and <= 0 for n < 0, which the max clamps
  int yRFirst = max(0, (xRPadded - filterSize.x + strides.x) / strides.x);
  int yRLast = min(outSize.x - 1, xRPadded / strides.x);
  int yCFirst = max(0, (xCPadded - filterSize.y + strides.y) / strides.y);
  int yCLast = min(outSize.y - 1, xCPadded / strides.y);
  float sum = 0.0;
  // dx[b,xR,xC,d] = Σ dy[b,yR,yC,d] over the windows holding (xR, xC) whose argmax is the tap (xR + padTop - yR*s, xC + padLeft - yC*s)
  for (int yR = yRFirst; yR <= yRLast; yR++) {
    int wR = xRPadded - yR * strides.x;
    for (int yC = yCFirst; yC <= yCLast; yC++) {
      int wC = xCPadded - yC * strides.y;
      int tap = int(floor(readArgmax(b, yR, yC, d) + 0.5));
      if (tap == wR * filterSize.y + wC) sum += readDy(b, yR, yC, d);
    }
  }
  setOutput(sum);
}`;

const TILED_MAIN = `
void main() {
  ivec4 o = outputBRCD();
  int b = o.x;
  int d = o.w;
  // the one window holding (xR, xC): yR = (xR + padTop) / s, at tap wR = (xR + padTop) - yR*s
  int xRPadded = o.y + pads.x;
  int xCPadded = o.z + pads.y;
  int yR = xRPadded / strides.x;
  int yC = xCPadded / strides.y;
  if (yR >= outSize.x || yC >= outSize.y) {
    setOutput(0.0);
    return;
  }
  int ownTap = (xRPadded - yR * strides.x) * filterSize.y + (xCPadded - yC * strides.y);
  int tap = int(floor(readArgmax(b, yR, yC, d) + 0.5));
  setOutput(tap == ownTap ? readDy(b, yR, yC, d) : 0.0);
}`;

/** Whether the windows tile the input without overlap: stride equal to the window, no dilation,
 *  non-negative padding. Then TILED_MAIN applies. */
export function windowsTile(g: ConvGeometry): boolean {
  return (
    g.strideHeight === g.filterHeight &&
    g.strideWidth === g.filterWidth &&
    g.dilationHeight === 1 &&
    g.dilationWidth === 1 &&
    g.padInfo.top >= 0 &&
    g.padInfo.left >= 0
  );
}

function mainFor(g: ConvGeometry): string {
  if (windowsTile(g)) return TILED_MAIN;
  return g.dilationHeight === 1 && g.dilationWidth === 1 ? RANGE_MAIN : MAIN;
}

export class MaxPoolGradProgram implements GPGPUProgram {
  variableNames = ['dy', 'argmax'];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.inShape;
    this.userCode = [
      windowConstantsGlsl(g),
      layoutGlsl(g.dataFormat, ['dy', 'argmax'], true),
      mainFor(g),
    ].join('\n');
  }
}
