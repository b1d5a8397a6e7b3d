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

// The same positions as texel centers in float texel units, for texture(): sampled at
// center / size, which SwiftShader runs faster than texelFetch. Integers (+ 0.5) below 2^24
// are exact in a float, so the advanced centers stay exact.
vec2 centerAt(int i, int width) {
  return vec2(texelAt(i, width)) + 0.5;
}

vec2 advanceCenter(vec2 p, vec2 step, float width) {
  p += step;
  float wrap = p.x >= width ? 1.0 : 0.0;
  return vec2(p.x - wrap * width, p.y + wrap);
}
`;
