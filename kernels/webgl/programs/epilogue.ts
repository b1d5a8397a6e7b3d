// The end of the conv programs: finish(sum) takes what the convolution summed and returns it as
// HandmadeConv2D does (as it is) or as HandmadeFusedConv2D does: act(y + bias), bias and PReLU
// weights read flat at the output coordinates times broadcast strides (0 along a broadcast axis,
// operands.ts: operandStrides). Two forms:
// - 'texel', for the packed programs: vec4 finish(vec4 sum, ivec4 o) takes a 2x2 block of y,
//   output columns (yC, yC+1) x channels (d2, d2+1), o being the program's getOutputCoords().
//   The programs read packed inputs, so the flat operands come packed too: tfjs packs a 1-D
//   tensor's elements (2t, 2t+1) into lanes x and y of texel t.
// - 'element', for the one-element program (conv2d_program.ts): float finish(float sum).
//
// EpilogueProgram is the texel finish() as a pass of its own over a convolution already computed,
// for HandmadeFusedConv2D where the convolution ran on the live region only (guards.ts): a packed
// texel of any 4-D tensor holds the same 2x2 block of its last two axes, in either layout.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {Activation} from '../../names';
import {activationGlsl} from './activation';
import type {CustomUniforms} from './uniforms';

/** The fused part of a conv program: the activation, and which operands it reads. Each operand
 *  present is one more (flat) input, after the program's own: the bias, then the PReLU weights.
 *  An absent one is not an input at all (no texture is made for it): the bias adds 0, and only
 *  prelu reads weights. */
export interface Epilogue {
  activation: Activation;
  /** Whether a bias is added. */
  bias: boolean;
  /** NHWC with a bias of one value per output channel (and PReLU weights too, where the
   *  activation reads them): the texel finish() reads each operand once per fragment, where
   *  the general one reads it per lane at a broadcast index. */
  perChannel?: boolean;
}

/** Whether the epilogue reads PReLU weights: prelu does, and every other activation ignores
 *  them. */
export function readsPrelu(epilogue: Epilogue): boolean {
  return epilogue.activation === 'prelu';
}

/** Which finish(): over a packed texel of y, or over one element. */
export type FinishForm = 'texel' | 'element';

const PLAIN: Record<FinishForm, string> = {
  texel: 'vec4 finish(vec4 sum, ivec4 o) { return sum; }',
  element: 'float finish(float sum) { return sum; }',
};

const BROADCAST_INDEX = `
int broadcastIndex(ivec4 coords, ivec4 strides4) {
  return coords.x * strides4.x + coords.y * strides4.y + coords.z * strides4.z + coords.w * strides4.w;
}`;

/** The GLSL of the operands' reads: `read(sampler, index)` where the operand is an input, else
 *  `absent` (0 of the read's type). */
function operandReads(
  epilogue: Epilogue,
  read: (sampler: string, index: string) => string,
  absent: string,
): {bias: (index: string) => string; prelu: (index: string) => string} {
  return {
    bias: (index) => (epilogue.bias ? read('getBias', index) : absent),
    prelu: (index) => (readsPrelu(epilogue) ? read('getPreluWeights', index) : absent),
  };
}

function fusedElement(epilogue: Epilogue): string {
  const r = operandReads(epilogue, (sampler, index) => `${sampler}(${index})`, '0.0');
  return `
float finish(float sum) {
  ivec4 coords = getOutputCoords();
  return activate(sum + ${r.bias('broadcastIndex(coords, biasStrides)')},
                  ${r.prelu('broadcastIndex(coords, preluStrides)')});
}`;
}

// A packed flat operand holds elements (2t, 2t+1) in lanes x and y of texel t.
function fusedTexel(epilogue: Epilogue): string {
  const r = operandReads(
    epilogue,
    (sampler, index) => {
      const lane = `(${index} & 1) == 0 ? ${sampler}(${index}).x : ${sampler}(${index}).y`;
      return `(${lane})`;
    },
    '0.0',
  );
  return `
float finishLane(float v, ivec4 coords) {
  int biasIndex = broadcastIndex(coords, biasStrides);
  int preluIndex = broadcastIndex(coords, preluStrides);
  return activate(v + ${r.bias('biasIndex')}, ${r.prelu('preluIndex')});
}

vec4 finish(vec4 sum, ivec4 o) {  // o: this texel's (b, yR, yC, d2); lanes past the edges are never read
  return vec4(finishLane(sum.x, o), finishLane(sum.y, o + ivec4(0, 0, 0, 1)),
              finishLane(sum.z, o + ivec4(0, 0, 1, 0)), finishLane(sum.w, o + ivec4(0, 0, 1, 1)));
}`;
}

// Per channel, NHWC: the texel's channels (d2, d2+1) are lanes x and y of the operands' texel at
// d2 (even), one read each.
function perChannelTexel(epilogue: Epilogue): string {
  const r = operandReads(epilogue, (sampler, index) => `${sampler}(${index}).xy`, 'vec2(0.0)');
  return `
vec4 finish(vec4 sum, ivec4 o) {  // o: this texel's (b, yR, yC, d2)
  int d2 = o.w;
  vec2 bias = ${r.bias('d2')};
  vec2 prelu = ${r.prelu('d2')};
  return vec4(activate(sum.x + bias.x, prelu.x), activate(sum.y + bias.y, prelu.y),
              activate(sum.z + bias.x, prelu.x), activate(sum.w + bias.y, prelu.y));
}`;
}

/** GLSL for finish() in `form`: plain without an epilogue. */
export function epilogueGlsl(epilogue: Epilogue | undefined, form: FinishForm = 'texel'): string {
  if (epilogue == null) return PLAIN[form];
  if (form === 'texel' && epilogue.perChannel === true) {
    return [activationGlsl(epilogue.activation), perChannelTexel(epilogue)].join('\n');
  }
  const finish = form === 'texel' ? fusedTexel(epilogue) : fusedElement(epilogue);
  return [activationGlsl(epilogue.activation), BROADCAST_INDEX, finish].join('\n');
}

/** The uniforms the fused finish() reads, after the program's own; their values are
 *  HandmadeFusedConv2D's (fused_conv2d.ts), in this order. */
const EPILOGUE_UNIFORMS: CustomUniforms = [
  {name: 'biasStrides', type: 'ivec4'},
  {name: 'preluStrides', type: 'ivec4'},
  {name: 'leakyreluAlpha', type: 'float'},
];

/** The epilogue's inputs, after the program's own: those of its operands that are present. */
export function epilogueInputNames(epilogue: Epilogue): string[] {
  return [...(epilogue.bias ? ['bias'] : []), ...(readsPrelu(epilogue) ? ['preluWeights'] : [])];
}

/** Sets the inputs of a program that reads `inputs`, with the epilogue's operands after them,
 *  and adds the epilogue's uniforms after the program's own. */
export function withEpilogue(
  program: Pick<GPGPUProgram, 'variableNames' | 'customUniforms'>,
  inputs: string[],
  epilogue?: Epilogue,
): void {
  program.variableNames = epilogue == null ? inputs : [...inputs, ...epilogueInputNames(epilogue)];
  if (epilogue != null) {
    program.customUniforms = [...(program.customUniforms ?? []), ...EPILOGUE_UNIFORMS];
  }
}

const EPILOGUE_MAIN = `
void main() {
  setOutput(finish(getConvAtOutCoords(), getOutputCoords()));
}`;

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
