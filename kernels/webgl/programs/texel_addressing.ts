// GLSL for reading packed textures by position: texelFetch at an ivec2 that is computed once per
// run of reads and then advanced by an add and a wrap per step, instead of tfjs's samplers, which
// turn a flat index into a texture coordinate with a division on every read.

export const TEXEL_ADDRESSING_GLSL = `
// The texel at flat index i of a packed texture width texels wide, with 0 <= x < width even for
// a negative i (a row above the texture, never read), so that advance() stays exact from there.
ivec2 texelAt(int i, int width) {
  int row = i >= 0 ? i / width : -((width - 1 - i) / width);
  return ivec2(i - row * width, row);
}

// p advanced by step = (step % width, step / width) texels, wrapping at the row's end.
ivec2 advance(ivec2 p, ivec2 step, int width) {
  p += step;
  int wrap = p.x >= width ? 1 : 0;
  return ivec2(p.x - wrap * width, p.y + wrap);
}
`;
