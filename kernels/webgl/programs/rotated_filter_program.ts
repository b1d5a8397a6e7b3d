// RotatedFilterProgram: the filter of the forward convolution whose output is an input gradient
// (geometry.ts, inputGradientAsConv), Wrot[wR', wC', d2, d1] = W[fh-1-wR', fw-1-wC', d1, d2]:
// rotated by 180 degrees, its channel axes swapped. The output is packed, 2x2 blocks of
// (d2, d2+1) x (d1, d1+1), the layout the packed-input forward program reads; lanes past inC
// or outC are stored as 0.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';

const MAIN = `
float rotated(int wR, int wC, int d2, int d1) {
  return d1 < inChannels && d2 < outChannels ?
      getW(filterHeight - 1 - wR, filterWidth - 1 - wC, d1, d2) : 0.0;
}

void main() {
  ivec4 o = getOutputCoords();  // Wrot is [fh, fw, outC, inC]; this texel: (d2, d2+1) x (d1, d1+1)
  int wR = o.x;
  int wC = o.y;
  int d2 = o.z;
  int d1 = o.w;
  setOutput(vec4(rotated(wR, wC, d2, d1), rotated(wR, wC, d2, d1 + 1),
                 rotated(wR, wC, d2 + 1, d1), rotated(wR, wC, d2 + 1, d1 + 1)));
}`;

export class RotatedFilterProgram implements GPGPUProgram {
  variableNames = ['W'];
  outputShape: number[];
  userCode: string;
  packedOutput = true;
  enableShapeUniforms = false;

  /** g: the geometry of the convolution whose input gradient is wanted. */
  constructor(g: ConvGeometry) {
    this.outputShape = [g.filterHeight, g.filterWidth, g.outChannels, g.inChannels];
    this.userCode = [
      `const int filterHeight = ${g.filterHeight};`,
      `const int filterWidth = ${g.filterWidth};`,
      `const int inChannels = ${g.inChannels};`,
      `const int outChannels = ${g.outChannels};`,
      MAIN,
    ].join('\n');
  }
}
