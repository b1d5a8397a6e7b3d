// The geometry every program takes as uniforms instead of baking it into its source: with
// enableShapeUniforms the shader is then compiled once per layout and variant, not per shape.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';
import type {ConvGeometry} from '../../geometry';

export type CustomUniforms = NonNullable<GPGPUProgram['customUniforms']>;

export const WINDOW_UNIFORMS: CustomUniforms = [
  {name: 'strides', type: 'ivec2'},
  {name: 'pads', type: 'ivec2'},        // (top, left)
  {name: 'dilations', type: 'ivec2'},
  {name: 'filterSize', type: 'ivec2'},
  {name: 'inSize', type: 'ivec2'},      // (inHeight, inWidth)
  {name: 'outSize', type: 'ivec2'},     // (outHeight, outWidth)
];

/** Values for WINDOW_UNIFORMS, in that order. */
export function windowUniformValues(g: ConvGeometry): number[][] {
  return [
    [g.strideHeight, g.strideWidth],
    [g.padInfo.top, g.padInfo.left],
    [g.dilationHeight, g.dilationWidth],
    [g.filterHeight, g.filterWidth],
    [g.inHeight, g.inWidth],
    [g.outHeight, g.outWidth],
  ];
}
