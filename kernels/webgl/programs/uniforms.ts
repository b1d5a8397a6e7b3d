// The window geometry (strides, pads, dilations, filter, input and output sizes), which every
// program reads by the same names, in one of two forms:
// - as uniforms (WINDOW_UNIFORMS, windowUniformValues): the unpacked one-element programs
//   (conv2d_program.ts, conv2d_backprop_input_program.ts, max_pool_argmax_program.ts,
//   max_pool_gather_program.ts), the paths of NCHW and of odd groups, so that their compiled
//   variant serves every geometry;
// - as GLSL constants (windowConstantsGlsl): every program on the fast paths, whose loops run
//   faster on SwiftShader with constant bounds.
// The tensors' shapes are baked into tfjs's samplers in both (enableShapeUniforms = false in every
// program): with constant strides the index arithmetic of each texture read folds away, which
// made the programs about 2x faster on SwiftShader, at the price of one shader compile per shape.

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import type {ConvGeometry} from '../../geometry';

export type CustomUniforms = NonNullable<GPGPUProgram['customUniforms']>;

export const WINDOW_UNIFORMS: CustomUniforms = [
  {name: 'strides', type: 'ivec2'},
  {name: 'pads', type: 'ivec2'}, // (top, left)
  {name: 'dilations', type: 'ivec2'},
  {name: 'filterSize', type: 'ivec2'},
  {name: 'inSize', type: 'ivec2'}, // (inHeight, inWidth)
  {name: 'outSize', type: 'ivec2'}, // (outHeight, outWidth)
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

/** The same geometry as GLSL constants; `extra` adds int constants of the program's own. */
export function windowConstantsGlsl(g: ConvGeometry, extra: Record<string, number> = {}): string {
  const names = WINDOW_UNIFORMS.map((u) => u.name);
  const values = windowUniformValues(g);
  const lines = names.map(
    (name, i) => `const ivec2 ${name} = ivec2(${values[i][0]}, ${values[i][1]});`,
  );
  for (const [name, v] of Object.entries(extra)) lines.push(`const int ${name} = ${v};`);
  return lines.join('\n');
}
