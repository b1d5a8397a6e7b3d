// GLSL accessors that hide the data layout from the programs' main(). tfjs's samplers take
// coordinates in the tensor's own axis order (getX(b, d, r, c) for NCHW); the programs think in
// (b, row, col, channel) only, so each activation input gets a whole `read<Name>(b, r, c, d)`
// function, and an activation-shaped output a whole `outputBRCD()`, written here once per layout.

import type {DataFormat} from '../../names';

const cap = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

function reader(name: string, dataFormat: DataFormat): string {
  return dataFormat === 'NHWC'
    ? `float read${cap(name)}(int b, int r, int c, int d) { return get${cap(name)}(b, r, c, d); }`
    : `float read${cap(name)}(int b, int r, int c, int d) { return get${cap(name)}(b, d, r, c); }`;
}

const OUTPUT_NHWC = 'ivec4 outputBRCD() { return getOutputCoords(); }';
const OUTPUT_NCHW =
  'ivec4 outputBRCD() { ivec4 o = getOutputCoords(); return ivec4(o.x, o.z, o.w, o.y); }';

// A packed input's sampler returns the texel holding the element, a 2x2 block of the last two
// axes: the element is lane 2 * (second-to-last coordinate & 1) + (last & 1).
function packedReader(name: string, dataFormat: DataFormat): string {
  const get = dataFormat === 'NHWC' ? `get${cap(name)}(b, r, c, d)` : `get${cap(name)}(b, d, r, c)`;
  const [row, col] = dataFormat === 'NHWC' ? ['c', 'd'] : ['r', 'c'];
  return `float read${cap(name)}(int b, int r, int c, int d) {
  vec4 t = ${get};
  vec2 pair = (${row} & 1) == 0 ? t.xy : t.zw;
  return (${col} & 1) == 0 ? pair.x : pair.y;
}`;
}

/** Element readers for packed inputs (the program sets packedInputs), in `dataFormat`. */
export function packedLayoutGlsl(dataFormat: DataFormat, inputs: string[]): string {
  return inputs.map((name) => packedReader(name, dataFormat)).join('\n');
}

/** The accessors for `inputs` (read in `dataFormat`) and, if asked, for the output's coords. */
export function layoutGlsl(
  dataFormat: DataFormat,
  inputs: string[],
  activationOutput: boolean,
): string {
  const lines = inputs.map((name) => reader(name, dataFormat));
  if (activationOutput) lines.push(dataFormat === 'NHWC' ? OUTPUT_NHWC : OUTPUT_NCHW);
  return lines.join('\n');
}
