// GLSL for reading packed textures by position, for the programs whose inner loops walk runs of
// texels: a packed texture stores its texels row-major in the order of their flat index, so the
// loop computes a run's first position once and then advances it by an add and a wrap per step,
// where tfjs's samplers turn a flat index into a coordinate with a division on every read.
//
// Positions are texel centers in float texel units, read with texture(t, center / size): on
// SwiftShader that runs about a third faster than texelFetch at integer positions (measured: a
// loop step of two reads and 8 multiply-adds took 4.9-5.5 ns against 7.1-7.7 ns, and the filter
// gradient's product on x[32,14,14,8] * [5,5,8,16] 12.3 ms against 17.0 ms). tfjs samples its
// own textures the same way (nearest filtering, coordinates at texel centers). Integers plus 0.5
// below 2^24 are exact in a float, so an advanced center stays exact.

export const TEXEL_ADDRESSING_GLSL = `
// The center of the texel at flat index i of a packed texture width texels wide, with
// 0.5 <= x < width even for a negative i (a row above the texture, never read), so that
// advanceCenter() stays exact from there.
vec2 centerAt(int i, int width) {
  int row = i >= 0 ? i / width : -((width - 1 - i) / width);
  return vec2(float(i - row * width), float(row)) + 0.5;
}

// p advanced by step = (step % width, step / width) texels, wrapping at the row's end.
vec2 advanceCenter(vec2 p, vec2 step, float width) {
  p += step;
  float wrap = p.x >= width ? 1.0 : 0.0;
  return vec2(p.x - wrap * width, p.y + wrap);
}
`;
