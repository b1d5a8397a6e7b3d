// Conv2DProgram: HandmadeConv2D and HandmadeFusedConv2D, one fragment per output element.
// Unpacked; the window geometry comes in as uniforms (see uniforms.ts). One variant per layout and
// per fused activation.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import type {Activation} from '../../names';
import {activationGlsl} from './activation';
import {layoutGlsl} from './layout';
import {CustomUniforms, WINDOW_UNIFORMS} from './uniforms';

const CONV_MAIN = `
void main() {
  ivec4 o = outputBRCD();
  int b = o.x;
  int d2 = o.w;
  int d1Start = (d2 / groupChannels.y) * groupChannels.x;
  int xRCorner = o.y * strides.x - pads.x;
  int xCCorner = o.z * strides.y - pads.y;
  float sum = 0.0;
  // y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
  for (int wR = 0; wR < filterSize.x; wR++) {
    int xR = xRCorner + wR * dilations.x;
    if (xR < 0 || xR >= inSize.x) continue;
    for (int wC = 0; wC < filterSize.y; wC++) {
      int xC = xCCorner + wC * dilations.y;
      if (xC < 0 || xC >= inSize.y) continue;
      for (int d1 = 0; d1 < groupChannels.x; d1++) {
        sum += readX(b, xR, xC, d1Start + d1) * getW(wR, wC, d1, d2);
      }
    }
  }
  setOutput(sum);
}`;

// The same loop, then y = act(y + bias); bias and the PReLU weights are flat and indexed by the
// output's coordinates times broadcast strides (0 along a broadcast axis).
const FUSED_MAIN = `
int broadcastIndex(ivec4 coords, ivec4 strides4) {
  return coords.x * strides4.x + coords.y * strides4.y + coords.z * strides4.z + coords.w * strides4.w;
}

void main() {
  ivec4 o = outputBRCD();
  int b = o.x;
  int d2 = o.w;
  int d1Start = (d2 / groupChannels.y) * groupChannels.x;
  int xRCorner = o.y * strides.x - pads.x;
  int xCCorner = o.z * strides.y - pads.y;
  float sum = 0.0;
  // y[b,yR,yC,d2] = Σ_{wR,wC,d1} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
  for (int wR = 0; wR < filterSize.x; wR++) {
    int xR = xRCorner + wR * dilations.x;
    if (xR < 0 || xR >= inSize.x) continue;
    for (int wC = 0; wC < filterSize.y; wC++) {
      int xC = xCCorner + wC * dilations.y;
      if (xC < 0 || xC >= inSize.y) continue;
      for (int d1 = 0; d1 < groupChannels.x; d1++) {
        sum += readX(b, xR, xC, d1Start + d1) * getW(wR, wC, d1, d2);
      }
    }
  }
  ivec4 coords = getOutputCoords();
  float v = sum + getBias(broadcastIndex(coords, biasStrides));
  setOutput(activate(v, getPreluWeights(broadcastIndex(coords, preluStrides))));
}`;

export interface FusedOptions {
  activation: Activation;
}

export class Conv2DProgram implements GPGPUProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = false;
  customUniforms: CustomUniforms;

  constructor(g: ConvGeometry, fused?: FusedOptions) {
    this.outputShape = g.outShape;
    const uniforms: CustomUniforms = [...WINDOW_UNIFORMS, {name: 'groupChannels', type: 'ivec2'}];
    if (fused == null) {
      this.variableNames = ['x', 'W'];
      this.customUniforms = uniforms;
      this.userCode = [layoutGlsl(g.dataFormat, ['x'], true), CONV_MAIN].join('\n');
    } else {
      this.variableNames = ['x', 'W', 'bias', 'preluWeights'];
      this.customUniforms = [
        ...uniforms,
        {name: 'biasStrides', type: 'ivec4'},
        {name: 'preluStrides', type: 'ivec4'},
        {name: 'leakyreluAlpha', type: 'float'},
      ];
      this.userCode = [
        layoutGlsl(g.dataFormat, ['x'], true),
        activationGlsl(fused.activation),
        FUSED_MAIN,
      ].join('\n');
    }
  }
}

/** (inChannels per group, outChannels per group): the last of the conv programs' uniforms. */
export function groupChannelValues(g: ConvGeometry): number[] {
  return [g.inChannelsPerGroup, g.outChannelsPerGroup];
}
