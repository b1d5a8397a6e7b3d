// GemmProgram: C = A · Bᵀ on packed (RGBA) textures, for the kernels that are one matrix product
// once their operands are laid out for it.
//
// The operands are grids of 2x2 texels whose sum runs along their last axis: texel (mt, kt) of A
// holds (m, k) (m, k+1) (m+1, k) (m+1, k+1) with m = 2mt, k = 2kt, at flat texel index
// mt * kTexels + kt, and B alike over (n, k), which is how tfjs packs a row-major [M, K] matrix
// (and an NHWC tensor whose channels are K). One fragment computes one texel of C, (m, m+1) x
// (n, n+1), at flat index mt * nTexels + nt: per step along k it reads one texel of A and one of
// B for 8 multiply-adds, the texels of a run along k neighbours in the textures' flat order, so
// that the loop samples them at positions advanced by one texel (texel_addressing.ts), with no
// division per read. With K odd, the lane past it in the last texel of a run is left out of the
// sum, whatever it holds (a packed tensor from another program may hold anything there).

import type {GPGPUProgram} from '@tensorflow/tfjs-backend-webgl';

import {TEXEL_ADDRESSING_GLSL} from './texel_addressing';

const MAIN = `
void main() {
  ivec3 o = getOutputCoords();  // C is [1, 2 * mTexels, 2 * nTexels]; this texel: (m, m+1) x (n, n+1)
  int mt = o.y / 2;
  int nt = o.z / 2;
  vec2 aSize = vec2(textureSize(A, 0));
  vec2 bSize = vec2(textureSize(B, 0));
  vec2 pa = centerAt(mt * kTexels, int(aSize.x));
  vec2 pb = centerAt(nt * kTexels, int(bSize.x));
  vec2 next = vec2(1.0, 0.0);
  vec4 sum = vec4(0.0);
  // C[m, n] = Σ_k A[m, k] · B[n, k]
  for (int kt = 0; kt < kTexels; kt++) {
    vec4 a = texture(A, pa / aSize);  // (m,k) (m,k+1) (m+1,k) (m+1,k+1)
    vec4 b = texture(B, pb / bSize);  // (n,k) (n,k+1) (n+1,k) (n+1,k+1)
    if (oddK && kt == kTexels - 1) {  // lane k+1 lies past K in both: select, as 0 * NaN is NaN
      a = vec4(a.x, 0.0, a.z, 0.0);
      b = vec4(b.x, 0.0, b.z, 0.0);
    }
    sum += a.xxzz * b.xzxz + a.yyww * b.ywyw;
    pa = advanceCenter(pa, next, aSize.x);
    pb = advanceCenter(pb, next, bSize.x);
  }
  setOutput(sum);
}`;

export class GemmProgram implements GPGPUProgram {
  variableNames = ['A', 'B'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = false;

  /** C's texels: mTexels x nTexels, summed over k values (ceil(k / 2) texels). */
  constructor(mTexels: number, nTexels: number, k: number) {
    this.outputShape = [1, 2 * mTexels, 2 * nTexels];
    this.userCode = [
      `const int kTexels = ${Math.ceil(k / 2)};`,
      `const bool oddK = ${k % 2 === 1};`,
      TEXEL_ADDRESSING_GLSL,
      MAIN,
    ].join('\n');
  }
}
