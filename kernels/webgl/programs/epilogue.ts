// The end of the conv programs: finish(sum) takes what the convolution summed and returns it as
// HandmadeConv2D does (as it is) or as HandmadeFusedConv2D does: act(y + bias), bias and PReLU
// weights read flat at the output coordinates times broadcast strides (0 along a broadcast axis,
// geometry.ts: operandStrides). Two forms:
// - 'texel', for the packed programs: vec4 finish(vec4 sum) takes a 2x2 block of y, output columns
//   (yC, yC+1) x channels (d2, d2+1). The programs read packed inputs, so the flat operands come
//   packed too: tfjs packs a 1-D tensor's elements (2t, 2t+1) into lanes x and y of texel t.
// - 'element', for the one-element program (conv2d_program.ts): float finish(float sum).
//
// EpilogueProgram is the texel finish() as a pass of its own over a convolution already computed,
// for HandmadeFusedConv2D where the convolution ran on the live region only (guards.ts): a packed
// texel of any 4-D tensor holds the same 2x2 block of its last two axes, in either layout.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {Activation} from '../../names';
import {activationGlsl} from './activation';
import type {CustomUniforms} from './uniforms';

/** The fused part of a conv program: the activation; its bias and PReLU weights come as two
 *  more (flat) inputs. */
export interface Epilogue {
  activation: Activation;
  /** NHWC with a bias of one value per output channel (and PReLU weights too, where the
   *  activation reads them): the texel finish() reads each operand once per fragment, where
   *  the general one reads it per lane at a broadcast index. */
  perChannel?: boolean;
}

/** Which finish(): over a packed texel of y, or over one element. */
export type FinishForm = 'texel' | 'element';

const PLAIN: Record<FinishForm, string> = {
  texel: 'vec4 finish(vec4 sum) { return sum; }',
  element: 'float finish(float sum) { return sum; }',
};

const BROADCAST_INDEX = `
int broadcastIndex(ivec4 coords, ivec4 strides4) {
  return coords.x * strides4.x + coords.y * strides4.y + coords.z * strides4.z + coords.w * strides4.w;
}`;

const FUSED_ELEMENT = `
float finish(float sum) {
  ivec4 coords = getOutputCoords();
  return activate(sum + getBias(broadcastIndex(coords, biasStrides)),
                  getPreluWeights(broadcastIndex(coords, preluStrides)));
}`;

const FUSED_TEXEL = `
float finishLane(float v, ivec4 coords) {
  int biasIndex = broadcastIndex(coords, biasStrides);
  int preluIndex = broadcastIndex(coords, preluStrides);
  vec4 bias = getBias(biasIndex);
  vec4 prelu = getPreluWeights(preluIndex);
  return activate(v + ((biasIndex & 1) == 0 ? bias.x : bias.y),
                  (preluIndex & 1) == 0 ? prelu.x : prelu.y);
}

vec4 finish(vec4 sum) {
  ivec4 o = getOutputCoords();  // this texel: (yC, yC+1) x (d2, d2+1); lanes past the edges are never read
  return vec4(finishLane(sum.x, o), finishLane(sum.y, o + ivec4(0, 0, 0, 1)),
              finishLane(sum.z, o + ivec4(0, 0, 1, 0)), finishLane(sum.w, o + ivec4(0, 0, 1, 1)));
}`;

// Per channel, NHWC: the texel's channels (d2, d2+1) are lanes x and y of the operands' texel at
// d2 (even), one read each; the PReLU weights are read only by prelu.
const PER_CHANNEL_TEXEL = `
vec4 finish(vec4 sum) {
  int d2 = getOutputCoords().w;  // this texel: (yC, yC+1) x (d2, d2+1)
  vec2 bias = getBias(d2).xy;
  vec2 prelu = USES_PRELU ? getPreluWeights(d2).xy : vec2(0.0);
  return vec4(activate(sum.x + bias.x, prelu.x), activate(sum.y + bias.y, prelu.y),
              activate(sum.z + bias.x, prelu.x), activate(sum.w + bias.y, prelu.y));
}`;

/** GLSL for finish() in `form`: plain without an epilogue. */
export function epilogueGlsl(epilogue: Epilogue | undefined, form: FinishForm = 'texel'): string {
  if (epilogue == null) return PLAIN[form];
  if (form === 'texel' && epilogue.perChannel === true) {
    return [
      activationGlsl(epilogue.activation),
      `#define USES_PRELU ${epilogue.activation === 'prelu'}`,
      PER_CHANNEL_TEXEL,
    ].join('\n');
  }
  const finish = form === 'texel' ? FUSED_TEXEL : FUSED_ELEMENT;
  return [activationGlsl(epilogue.activation), BROADCAST_INDEX, finish].join('\n');
}

/** The uniforms the fused finish() reads, after the program's own; their values are
 *  epilogueUniformValues'. */
const EPILOGUE_UNIFORMS: CustomUniforms = [
  {name: 'biasStrides', type: 'ivec4'},
  {name: 'preluStrides', type: 'ivec4'},
  {name: 'leakyreluAlpha', type: 'float'},
];

/** Sets the inputs of a program that reads `inputs`, with the epilogue's two flat operands after
 *  them, and adds the epilogue's uniforms after the program's own. */
export function withEpilogue(
  program: Pick<GPGPUProgram, 'variableNames' | 'customUniforms'>,
  inputs: string[],
  epilogue?: Epilogue,
): void {
  program.variableNames = epilogue == null ? inputs : [...inputs, 'bias', 'preluWeights'];
  if (epilogue != null) {
    program.customUniforms = [...(program.customUniforms ?? []), ...EPILOGUE_UNIFORMS];
  }
}

const EPILOGUE_MAIN = 'void main() { setOutput(finish(getConvAtOutCoords())); }';

/** act(conv + bias) over the whole of `conv` (of outShape, the output's shape in its layout). */
export class EpilogueProgram implements GPGPUProgram {
  variableNames: string[] = [];
  customUniforms?: GPGPUProgram['customUniforms'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  constructor(outShape: number[], epilogue: Epilogue) {
    withEpilogue(this, ['conv'], epilogue);
    this.outputShape = outShape;
    this.userCode = [epilogueGlsl(epilogue), EPILOGUE_MAIN].join('\n');
  }
}
