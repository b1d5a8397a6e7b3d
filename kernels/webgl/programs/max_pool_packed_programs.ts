// The max-pool programs for NHWC on packed (RGBA) textures: one fragment per 2x2 block of
// columns x channels, so that one read of a packed input serves two channels. The unpacked
// programs beside them (max_pool_argmax_program.ts, max_pool_gather_program.ts,
// max_pool_grad_program.ts) hold the rules, which these follow exactly: the first maximum in
// row-major window order wins (strict >), NaN never wins, an empty window has argmax -1; the
// gradient gathers, per dx cell, the dy of every window whose argmax names that cell.
//
// MaxPoolSearchPackedProgram: argmax (or y alone, in one pass), (yC, yC+1) x (d, d+1), each
// column's window read once for both channels.
// MaxPoolGatherPackedProgram: out = v at the argmax cell (y, with emptyValue -Infinity, and
// HandmadeMaxPoolGather, with 0).
// MaxPoolGradPackedProgram: dx, (xC, xC+1) x (d, d+1), each column's windows visited by the
// cellGrad of max_pool_grad_program.ts.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {cellGradGlsl} from './max_pool_grad_program';
import {CustomUniforms, windowConstantsGlsl} from './uniforms';
import {IS_NAN_BITS_GLSL, TAP_OF_GLSL} from './windows';

// The window search of the argmax and of the values alone (VALUES says which it returns).
const WINDOW_MAX_GLSL = `
// argmax of channels (d, d+1) at output (b, yR, yC), as floats, or (VALUES) the maxima
vec2 windowMax(int b, int yR, int yC, int d) {
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
  return VALUES ? best : bestTap;
}

void main() {
  ivec4 o = getOutputCoords();  // [B, outH, outW, C]; this texel: (yC, yC+1) x (d, d+1)
  vec2 second = o.z + 1 < outSize.y ? windowMax(o.x, o.y, o.z + 1, o.w) : vec2(-1.0);
  setOutput(vec4(windowMax(o.x, o.y, o.z, o.w), second));
}`;

/** The window search: 'argmax' gives the first maximum's tap (-1 for a window with no number);
 *  'values' gives y alone in one pass, the value at that argmax (-Infinity for no number). */
export class MaxPoolSearchPackedProgram implements GPGPUProgram {
  variableNames = ['x'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;
  customUniforms: CustomUniforms = [{name: 'negativeInfinity', type: 'float'}];

  constructor(g: ConvGeometry, result: 'argmax' | 'values') {
    this.outputShape = g.outShape;
    this.userCode = [
      windowConstantsGlsl(g),
      IS_NAN_BITS_GLSL,
      `#define VALUES ${result === 'values'}`,
      WINDOW_MAX_GLSL,
    ].join('\n');
  }
}

const GATHER_MAIN = `
// v at the cell that tap (a float holding a small integer) names in the window of (b, yR, yC),
// channel d; emptyValue for tap -1
float atTap(float tapValue, int b, int yR, int yC, int d) {
  int tap = tapOf(tapValue);
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
    this.userCode = [windowConstantsGlsl(g), TAP_OF_GLSL, GATHER_MAIN].join('\n');
  }
}

// dy of channels (d, d+1) at window (b, yR, yC) where its argmax names ownTap, else 0
const WINDOW_GRAD_GLSL = `
#define GRAD vec2
vec2 windowGrad(int b, int yR, int yC, int d, int ownTap) {
  vec4 argmaxTexel = getArgmax(b, yR, yC, d);
  vec4 dyTexel = getDy(b, yR, yC, d);
  bool odd = (yC & 1) == 1;
  vec2 taps = odd ? argmaxTexel.zw : argmaxTexel.xy;
  vec2 grads = odd ? dyTexel.zw : dyTexel.xy;
  return vec2(tapOf(taps.x) == ownTap ? grads.x : 0.0, tapOf(taps.y) == ownTap ? grads.y : 0.0);
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
    this.userCode = [cellGradGlsl(g, WINDOW_GRAD_GLSL), GRAD_MAIN].join('\n');
  }
}
