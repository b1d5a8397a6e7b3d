// The max-pool programs for NHWC on packed (RGBA) textures: one fragment per 2x2 block of
// columns x channels, so that one read of a packed input serves two channels. The unpacked
// programs beside them (max_pool_argmax_program.ts, max_pool_gather_program.ts,
// max_pool_grad_program.ts) hold the rules, which these follow exactly: the first maximum in
// row-major window order wins (strict >), NaN never wins, an empty window has argmax -1; the
// gradient gathers, per dx cell, the dy of every window whose argmax names that cell.
//
// MaxPoolArgmaxPackedProgram: argmax, (yC, yC+1) x (d, d+1), each column's window read once
// for both channels.
// MaxPoolGatherPackedProgram: out = v at the argmax cell (y, with emptyValue -Infinity, and
// HandmadeMaxPoolGather, with 0).
// MaxPoolGradPackedProgram: dx, (xC, xC+1) x (d, d+1), each column's windows found as in
// max_pool_grad_program.ts (one when the windows tile, a range without dilation, else every tap).

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {windowsTile} from './max_pool_grad_program';
import {CustomUniforms, windowConstantsGlsl} from './uniforms';

const ARGMAX_MAIN = `
bool isNaNBits(float v) {
  return (floatBitsToUint(v) & 0x7fffffffu) > 0x7f800000u;
}

// argmax of channels (d, d+1) at output (b, yR, yC), as floats
vec2 argmaxPair(int b, int yR, int yC, int d) {
  int xRCorner = yR * strides.x - pads.x;
  int xCCorner = yC * strides.y - pads.y;
  vec2 best = vec2(negativeInfinity);
  vec2 bestTap = vec2(-1.0);
  // argmax[b,yR,yC,d] = first (wR, wC) with x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d] > all before it
  for (int wR = 0; wR < filterSize.x; wR++) {
    int xR = xRCorner + wR * dilations.x;
    if (xR < 0 || xR >= inSize.x) continue;
    for (int wC = 0; wC < filterSize.y; wC++) {
      int xC = xCCorner + wC * dilations.y;
      if (xC < 0 || xC >= inSize.y) continue;
      vec4 t = getX(b, xR, xC, d);  // (xC & ~1, d) (xC & ~1, d+1) (xC | 1, d) (xC | 1, d+1)
      vec2 v = (xC & 1) == 0 ? t.xy : t.zw;
      float tap = float(wR * filterSize.y + wC);
      if (!isNaNBits(v.x) && v.x > best.x) { best.x = v.x; bestTap.x = tap; }
      if (!isNaNBits(v.y) && v.y > best.y) { best.y = v.y; bestTap.y = tap; }
    }
  }
  return bestTap;
}

void main() {
  ivec4 o = getOutputCoords();  // argmax is [B, outH, outW, C]; this texel: (yC, yC+1) x (d, d+1)
  vec2 second = o.z + 1 < outSize.y ? argmaxPair(o.x, o.y, o.z + 1, o.w) : vec2(-1.0);
  setOutput(vec4(argmaxPair(o.x, o.y, o.z, o.w), second));
}`;

export class MaxPoolArgmaxPackedProgram implements GPGPUProgram {
  variableNames = ['x'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;
  customUniforms: CustomUniforms = [{name: 'negativeInfinity', type: 'float'}];

  constructor(g: ConvGeometry) {
    this.outputShape = g.outShape;
    this.userCode = [windowConstantsGlsl(g), ARGMAX_MAIN].join('\n');
  }
}

const GATHER_MAIN = `
// v at the cell that tap (a float holding a small integer) names in the window of (b, yR, yC),
// channel d; emptyValue for tap -1
float atTap(float tapValue, int b, int yR, int yC, int d) {
  int tap = int(floor(tapValue + 0.5));
  if (tap < 0) return emptyValue;
  int wR = tap / filterSize.y;
  int wC = tap - wR * filterSize.y;
  // out[b,yR,yC,d] = v[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d]
  int xR = yR * strides.x - pads.x + wR * dilations.x;
  int xC = yC * strides.y - pads.y + wC * dilations.y;
  vec4 t = getV(b, xR, xC, d);
  vec2 pair = (xC & 1) == 0 ? t.xy : t.zw;
  return (d & 1) == 0 ? pair.x : pair.y;
}

void main() {
  ivec4 o = getOutputCoords();  // [B, outH, outW, C]; this texel: (yC, yC+1) x (d, d+1)
  vec4 taps = getArgmax(o.x, o.y, o.z, o.w);
  // lanes past the last column or channel hold whatever the argmax's do
  bool second = o.z + 1 < outSize.y;
  setOutput(vec4(atTap(taps.x, o.x, o.y, o.z, o.w), atTap(taps.y, o.x, o.y, o.z, o.w + 1),
                 second ? atTap(taps.z, o.x, o.y, o.z + 1, o.w) : 0.0,
                 second ? atTap(taps.w, o.x, o.y, o.z + 1, o.w + 1) : 0.0));
}`;

export class MaxPoolGatherPackedProgram implements GPGPUProgram {
  variableNames = ['v', 'argmax'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;
  customUniforms: CustomUniforms = [{name: 'emptyValue', type: 'float'}];

  constructor(g: ConvGeometry) {
    this.outputShape = g.outShape;
    this.userCode = [windowConstantsGlsl(g), GATHER_MAIN].join('\n');
  }
}

// dy of channels (d, d+1) at window (b, yR, yC) where its argmax names ownTap, else 0
const WINDOW_GRAD_GLSL = `
vec2 windowGrad(int b, int yR, int yC, int d, int ownTap) {
  vec4 a = getArgmax(b, yR, yC, d);
  vec4 g = getDy(b, yR, yC, d);
  bool odd = (yC & 1) == 1;
  vec2 taps = odd ? a.zw : a.xy;
  vec2 grads = odd ? g.zw : g.xy;
  return vec2(int(floor(taps.x + 0.5)) == ownTap ? grads.x : 0.0,
              int(floor(taps.y + 0.5)) == ownTap ? grads.y : 0.0);
}`;

// Every tap of every window, tested: dx[b,xR,xC,d] = Σ dy[b,yR,yC,d] over
// yR = (xR + padTop - wR*dl) / s integral in [0, outH) (columns alike) with
// argmax[b,yR,yC,d] = wR * fw + wC
const CELL_ANY_GLSL = `
vec2 cellGrad(int b, int xR, int xC, int d) {
  vec2 sum = vec2(0.0);
  for (int wR = 0; wR < filterSize.x; wR++) {
    int yRScaled = xR + pads.x - wR * dilations.x;
    if (yRScaled < 0 || yRScaled % strides.x != 0) continue;
    int yR = yRScaled / strides.x;
    if (yR >= outSize.x) continue;
    for (int wC = 0; wC < filterSize.y; wC++) {
      int yCScaled = xC + pads.y - wC * dilations.y;
      if (yCScaled < 0 || yCScaled % strides.y != 0) continue;
      int yC = yCScaled / strides.y;
      if (yC >= outSize.y) continue;
      sum += windowGrad(b, yR, yC, d, wR * filterSize.y + wC);
    }
  }
  return sum;
}`;

// Dilation 1: the windows holding the cell are a range of (yR, yC), each at the tap
// (xR + padTop - yR*s, xC + padLeft - yC*s).
const CELL_RANGE_GLSL = `
vec2 cellGrad(int b, int xR, int xC, int d) {
  int xRPadded = xR + pads.x;
  int xCPadded = xC + pads.y;
  // (n + s - 1) / s is ceil(n / s) for n >= 0, and <= 0 for n < 0, which the max clamps
  int yRFirst = max(0, (xRPadded - filterSize.x + strides.x) / strides.x);
  int yRLast = min(outSize.x - 1, xRPadded / strides.x);
  int yCFirst = max(0, (xCPadded - filterSize.y + strides.y) / strides.y);
  int yCLast = min(outSize.y - 1, xCPadded / strides.y);
  vec2 sum = vec2(0.0);
  for (int yR = yRFirst; yR <= yRLast; yR++) {
    for (int yC = yCFirst; yC <= yCLast; yC++) {
      int ownTap = (xRPadded - yR * strides.x) * filterSize.y + (xCPadded - yC * strides.y);
      sum += windowGrad(b, yR, yC, d, ownTap);
    }
  }
  return sum;
}`;

// Windows that tile the input: the one window holding the cell.
const CELL_TILED_GLSL = `
vec2 cellGrad(int b, int xR, int xC, int d) {
  int xRPadded = xR + pads.x;
  int xCPadded = xC + pads.y;
  int yR = xRPadded / strides.x;
  int yC = xCPadded / strides.y;
  if (yR >= outSize.x || yC >= outSize.y) return vec2(0.0);
  int ownTap = (xRPadded - yR * strides.x) * filterSize.y + (xCPadded - yC * strides.y);
  return windowGrad(b, yR, yC, d, ownTap);
}`;

const GRAD_MAIN = `
void main() {
  ivec4 o = getOutputCoords();  // dx is [B, inH, inW, C]; this texel: (xC, xC+1) x (d, d+1)
  vec2 second = o.z + 1 < inSize.y ? cellGrad(o.x, o.y, o.z + 1, o.w) : vec2(0.0);
  setOutput(vec4(cellGrad(o.x, o.y, o.z, o.w), second));
}`;

export class MaxPoolGradPackedProgram implements GPGPUProgram {
  variableNames = ['dy', 'argmax'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(g: ConvGeometry) {
    this.outputShape = g.inShape;
    const cell = windowsTile(g)
      ? CELL_TILED_GLSL
      : g.dilationHeight === 1 && g.dilationWidth === 1
        ? CELL_RANGE_GLSL
        : CELL_ANY_GLSL;
    this.userCode = [windowConstantsGlsl(g), WINDOW_GRAD_GLSL, cell, GRAD_MAIN].join('\n');
  }
}
