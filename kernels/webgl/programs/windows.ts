// The window GLSL that the webgl programs share. A window is the set of input cells one output
// position reads, xR = yR*s - padTop + wR*dl (and columns alike, geometry.ts). The backward
// programs gather: each input cell asks which windows read it, and at which tap. Three ways to
// answer, the cheapest that the geometry allows (windowSearch):
// - 'tiled': stride equal to the window, no dilation, no negative padding. The windows tile the
//   input and a cell lies in at most one, found by one division (tiledWindow).
// - 'range': no dilation. The windows holding row xR are those with
//   yR*s <= xR + padTop <= yR*s + fh - 1, a range of yR found by two divisions, each at the tap
//   wR = xR + padTop - yR*s (windowRange).
// - 'every tap': any window. Each tap (wR, wC) solves xR = yR*s - padTop + wR*dl for yR in
//   integers (solveRow, solveColumn); a tap whose yR is fractional or outside the output reaches
//   no window.
// The functions read the window geometry by the names of uniforms.ts (strides, pads, dilations,
// filterSize, outSize), as uniforms or as constants.

import type {ConvGeometry} from '../../geometry';

/** yR (yC) with xR = yR*s - padTop + wR*dl, or -1 where no integer yR in [0, outH) solves it. */
export const SOLVE_GLSL = `
int solveRow(int xR, int wR) {
  int yRScaled = xR + pads.x - wR * dilations.x;
  if (yRScaled < 0 || yRScaled % strides.x != 0) return -1;
  int yR = yRScaled / strides.x;
  return yR < outSize.x ? yR : -1;
}

int solveColumn(int xC, int wC) {
  int yCScaled = xC + pads.y - wC * dilations.y;
  if (yCScaled < 0 || yCScaled % strides.y != 0) return -1;
  int yC = yCScaled / strides.y;
  return yC < outSize.y ? yC : -1;
}`;

/** Without dilation: the windows holding cell (xR, xC) are the output positions
 *  [first.x, last.x] x [first.y, last.y] (empty where first > last); the tap of (yR, yC) in them
 *  is windowTap(xR, xC, yR, yC). */
export const WINDOW_RANGE_GLSL = `
// (n + s - 1) / s is ceil(n / s) for n >= 0, and <= 0 for n < 0, which the max clamps
ivec2 firstWindow(int xR, int xC) {
  return max(ivec2(0), (ivec2(xR, xC) + pads - filterSize + strides) / strides);
}

ivec2 lastWindow(int xR, int xC) {
  return min(outSize - 1, (ivec2(xR, xC) + pads) / strides);
}

int windowTap(int xR, int xC, int yR, int yC) {
  return (xR + pads.x - yR * strides.x) * filterSize.y + (xC + pads.y - yC * strides.y);
}`;

/** Windows that tile the input: (yR, yC) of the one window holding (xR, xC), or (-1, -1). Its
 *  tap is windowTap (WINDOW_RANGE_GLSL, which this needs). */
export const TILED_WINDOW_GLSL = `
ivec2 tiledWindow(int xR, int xC) {
  ivec2 y = (ivec2(xR, xC) + pads) / strides;
  return y.x < outSize.x && y.y < outSize.y ? y : ivec2(-1);
}`;

/** NaN by its bits: `v > best` is not trusted to be false for NaN on every driver. */
export const IS_NAN_BITS_GLSL = `
bool isNaNBits(float v) {
  return (floatBitsToUint(v) & 0x7fffffffu) > 0x7f800000u;
}`;

/** An argmax texel lane (a float holding a small integer, -1 included) as an int: rounded, never
 *  truncated. */
export const TAP_OF_GLSL = 'int tapOf(float argmax) { return int(floor(argmax + 0.5)); }';

export type WindowSearch = 'tiled' | 'range' | 'every tap';

/** How a cell of g's input finds the windows that read it (the header comment). */
export function windowSearch(g: ConvGeometry): WindowSearch {
  const undilated = g.dilationHeight === 1 && g.dilationWidth === 1;
  if (
    undilated &&
    g.strideHeight === g.filterHeight &&
    g.strideWidth === g.filterWidth &&
    g.padInfo.top >= 0 &&
    g.padInfo.left >= 0
  ) {
    return 'tiled';
  }
  return undilated ? 'range' : 'every tap';
}

/** The GLSL that `search` needs. */
export function windowSearchGlsl(search: WindowSearch): string {
  if (search === 'every tap') return SOLVE_GLSL;
  return search === 'tiled' ? [WINDOW_RANGE_GLSL, TILED_WINDOW_GLSL].join('\n') : WINDOW_RANGE_GLSL;
}
