// GLSL shared by the packed (RGBA) programs. tfjs packs a tensor's last two axes in 2x2 blocks:
// the texel at (r, c), both even, holds (r, c), (r, c+1), (r+1, c), (r+1, c+1) in x, y, z, w.
// For an NHWC activation the last two axes are (column, channel), so one texel holds two
// adjacent columns of two adjacent channels; for an HWIO filter, (d1, d1+1) x (d2, d2+1).

/** `vec2 <fn>(int b, int r, int c, int d)`: the values of channels (d, d+1), d even, at column
 *  c of `name` (a packed NHWC input with `width` columns), or 0 outside the columns. The caller
 *  checks the row. */
export function columnPairGlsl(fn: string, name: string, width: string): string {
  const sampler = 'get' + name.charAt(0).toUpperCase() + name.slice(1);
  return `
vec2 ${fn}(int b, int r, int c, int d) {
  if (c < 0 || c >= ${width}) return vec2(0.0);
  vec4 t = ${sampler}(b, r, c, d);
  return (c & 1) == 0 ? t.xy : t.zw;
}`;
}
