// Conv2DProgram: HandmadeConv2D and HandmadeFusedConv2D, one fragment per output element.
// Unpacked; the window geometry comes in as uniforms (uniforms.ts), so that one compiled variant
// per layout and fused activation serves every shape. The sum ends in finish() (epilogue.ts):
// as it is, or act(y + bias).

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';
import {Epilogue, epilogueGlsl, withEpilogue} from './epilogue';
import {layoutGlsl} from './layout';
import {CustomUniforms, WINDOW_UNIFORMS} from './uniforms';

const MAIN = `
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
  setOutput(finish(sum));
}`;

export class Conv2DProgram implements GPGPUProgram {
  variableNames: string[] = [];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = false;
  customUniforms: CustomUniforms = [...WINDOW_UNIFORMS, {name: 'groupChannels', type: 'ivec2'}];

  constructor(g: ConvGeometry, epilogue?: Epilogue) {
    this.outputShape = g.outShape;
    withEpilogue(this, ['x', 'W'], epilogue);
    this.userCode = [
      layoutGlsl(g.dataFormat, ['x'], true),
      epilogueGlsl(epilogue, 'element'),
      MAIN,
    ].join('\n');
  }
}

/** (inChannels per group, outChannels per group): the last of the program's own uniforms. */
export function groupChannelValues(g: ConvGeometry): number[] {
  return [g.inChannelsPerGroup, g.outChannelsPerGroup];
}
