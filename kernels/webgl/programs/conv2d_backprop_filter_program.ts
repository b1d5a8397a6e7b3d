// Conv2DBackpropFilterProgram: HandmadeConv2DBackpropFilter, one fragment per dW element, each
// summing over the batch and every output position (the forward's reads of x, weighted by dy).

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';
import type {ConvGeometry} from '../../geometry';
import {layoutGlsl} from './layout';
import {CustomUniforms, WINDOW_UNIFORMS} from './uniforms';

const MAIN = `
void main() {
  ivec4 o = getOutputCoords();  // dW is [fh, fw, inC / groups, outC] in either layout
  int wR = o.x;
  int wC = o.y;
  int d2 = o.w;
  int d1 = (d2 / groupChannels.y) * groupChannels.x + o.z;
  float sum = 0.0;
  // dW[wR,wC,d1,d2] = Σ_{b,yR,yC} x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · dy[b,yR,yC,d2]
  for (int b = 0; b < batchSize; b++) {
    for (int yR = 0; yR < outSize.x; yR++) {
      int xR = yR * strides.x - pads.x + wR * dilations.x;
      if (xR < 0 || xR >= inSize.x) continue;
      for (int yC = 0; yC < outSize.y; yC++) {
        int xC = yC * strides.y - pads.y + wC * dilations.y;
        if (xC < 0 || xC >= inSize.y) continue;
        sum += readX(b, xR, xC, d1) * readDy(b, yR, yC, d2);
      }
    }
  }
  setOutput(sum);
}`;

export class Conv2DBackpropFilterProgram implements GPGPUProgram {
  variableNames = ['x', 'dy'];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = false;
  customUniforms: CustomUniforms = [...WINDOW_UNIFORMS, {name: 'groupChannels', type: 'ivec2'},
                                    {name: 'batchSize', type: 'int'}];

  constructor(g: ConvGeometry) {
    this.outputShape = g.filterShape;
    this.userCode = [layoutGlsl(g.dataFormat, ['x', 'dy'], false), MAIN].join('\n');
  }
}
