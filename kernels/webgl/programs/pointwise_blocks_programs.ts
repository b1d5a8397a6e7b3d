// The product pass of a 1x1 convolution at stride 1 over textures in their natural packed shapes
// (pointwise_blocks.ts): a matrix product y = x · W, where a texel of x holds positions
// (p, p+1) x channels (d1, d1+1), one of W channels (d1, d1+1) x (d2, d2+1), and one of y
// positions (p, p+1) x channels (d2, d2+1); y's texel (column c, row r) is the product of x's
// texture row r with W's texture column c.
//
// A fragment with one output (Conv2DPackedInputsProgram's 'pointwise' walk, and tfjs's packed
// MatMul) reads a texel of x and one of W for each pair of input channels: 2 reads for 8
// multiply-adds. On SwiftShader the reads are most of a step's cost, and a fragment shader with
// one RGBA32F output cannot read less per output. This pass writes four outputs (a WebGL2
// fragment shader may write to four colour attachments or more): the fragment at (X, Y) of a
// grid of hx x hy texels computes y's texels at columns X and X + hx and rows Y and Y + hy, from
// 2 texels of x and 2 of W per pair of input channels: 4 reads for 32 multiply-adds. Each output
// is a quarter of y, a rectangle of it, which pointwise_blocks.ts copies into place.
//
// A quarter's texel past y's edge (y's width or height odd) is computed from W's last column or
// x's last row (the reads clamp to the texture) and never copied.

import type {Activation} from '../../names';
import {activationGlsl} from './activation';

// Steps of the channel loop per iteration, and the most steps written out without a loop (as in
// Conv2DPackedInputsProgram, measured on SwiftShader).
const UNROLL = 4;
const FULL_UNROLL = 16;

/** The epilogue of the pass: act(y + bias) with the bias and PReLU weights one value per output
 *  channel, each an input (a packed 1-D texture, elements (2t, 2t+1) in lanes x and y of texel t)
 *  where present. */
export interface ProductEpilogue {
  activation: Activation;
  bias: boolean;
  prelu: boolean;
}

/** The textures the pass reads, in the order of their texture units. */
export function productInputs(epilogue?: ProductEpilogue): string[] {
  return [
    'x',
    'W',
    ...(epilogue?.bias === true ? ['bias'] : []),
    ...(epilogue?.prelu === true ? ['preluWeights'] : []),
  ];
}

function finishGlsl(epilogue?: ProductEpilogue): string {
  if (epilogue == null) return 'vec4 finish(vec4 sum, float column) { return sum; }';
  // the operand's texel of channels (d2, d2+1), where `column` is y's texel column of them
  const read = (name: string, present: boolean) =>
    present
      ? `texture(${name}, vec2(column, 0.5) / vec2(textureSize(${name}, 0))).xy`
      : 'vec2(0.0)';
  return `${activationGlsl(epilogue.activation)}

vec4 finish(vec4 sum, float column) {  // sum: (p, d2) (p, d2+1) (p+1, d2) (p+1, d2+1)
  vec2 bias = ${read('bias', epilogue.bias)};
  vec2 prelu = ${read('preluWeights', epilogue.prelu)};
  return vec4(activate(sum.x + bias.x, prelu.x), activate(sum.y + bias.y, prelu.y),
              activate(sum.z + bias.x, prelu.x), activate(sum.w + bias.y, prelu.y));
}`;
}

/** The whole GLSL ES 3.00 fragment shader: x and W are textures of `inTexels` = ceil(inChannels /
 *  2) texels along a row of x and a column of W; the quarters go to colour attachments 0-3, as
 *  y00 (columns X, rows Y), y01 (X + hx, Y), y10 (X, Y + hy) and y11 (X + hx, Y + hy). Uniform
 *  `quarter` is (hx, hy); `leakyreluAlpha` is read by the leakyrelu epilogue. */
export function pointwiseProductShader(inTexels: number, epilogue?: ProductEpilogue): string {
  const step = (j: number) => {
    const at = (p: string, alongX: boolean) =>
      j === 0 ? p : `(${p} + vec2(${alongX ? `${j}.0, 0.0` : `0.0, ${j}.0`}))`;
    return `
    {  // ${j} step${j === 1 ? '' : 's'} on
      vec4 a0 = texture(x, ${at('px0', true)} * xScale);
      vec4 a1 = texture(x, ${at('px1', true)} * xScale);
      vec4 w0 = texture(W, ${at('pw0', false)} * wScale);
      vec4 w1 = texture(W, ${at('pw1', false)} * wScale);
      s00 += a0.xxzz * w0.xyxy + a0.yyww * w0.zwzw;
      s01 += a0.xxzz * w1.xyxy + a0.yyww * w1.zwzw;
      s10 += a1.xxzz * w0.xyxy + a1.yyww * w0.zwzw;
      s11 += a1.xxzz * w1.xyxy + a1.yyww * w1.zwzw;
    }`;
  };
  const unroll = inTexels <= FULL_UNROLL ? inTexels : UNROLL;
  const whole = Math.floor(inTexels / unroll);
  const body: string[] = [];
  if (whole === 1) {
    for (let j = 0; j < unroll; j++) body.push(step(j));
  } else if (whole > 1) {
    body.push(`  for (int k = 0; k < ${whole}; k++) {  // input channels from 2 * ${unroll}k`);
    for (let j = 0; j < unroll; j++) body.push(step(j));
    body.push(`    px0.x += ${unroll}.0;
    px1.x += ${unroll}.0;
    pw0.y += ${unroll}.0;
    pw1.y += ${unroll}.0;
  }`);
  }
  // the rest after the loop, whose steps advanced the positions (none after one iteration)
  const restAt = whole === 1 ? unroll : 0;
  for (let j = 0; j < inTexels % unroll; j++) body.push(step(restAt + j));
  const samplers = productInputs(epilogue).map((name) => `uniform sampler2D ${name};`);
  return `#version 300 es
precision highp float;
precision highp int;
precision highp sampler2D;
${samplers.join('\n')}
uniform vec2 quarter;  // (hx, hy)
uniform float leakyreluAlpha;
layout(location = 0) out vec4 y00;
layout(location = 1) out vec4 y01;
layout(location = 2) out vec4 y10;
layout(location = 3) out vec4 y11;

${finishGlsl(epilogue)}

void main() {
  // y's texels (X + j·hx, Y + i·hy) are rows Y + i·hy of x times columns X + j·hx of W.
  vec2 xScale = 1.0 / vec2(textureSize(x, 0));
  vec2 wScale = 1.0 / vec2(textureSize(W, 0));
  vec2 px0 = vec2(0.5, gl_FragCoord.y);
  vec2 px1 = vec2(0.5, gl_FragCoord.y + quarter.y);
  vec2 pw0 = vec2(gl_FragCoord.x, 0.5);
  vec2 pw1 = vec2(gl_FragCoord.x + quarter.x, 0.5);
  vec4 s00 = vec4(0.0);
  vec4 s01 = vec4(0.0);
  vec4 s10 = vec4(0.0);
  vec4 s11 = vec4(0.0);
  // y[p, d2] = Σ_{d1} x[p, d1] · W[0, 0, d1, d2]
${body.join('\n')}
  y00 = finish(s00, pw0.x);
  y01 = finish(s01, pw1.x);
  y10 = finish(s10, pw0.x);
  y11 = finish(s11, pw1.x);
}`;
}
