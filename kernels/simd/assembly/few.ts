// The two convolution gradients for a filter of few input channels (one for grey images, three
// for colour). Their matrix products are thin there: the input gradient's dy · Wᵀ has fh * fw * C
// columns of which col2im then scatters runs of C floats, and the filter gradient's im2col(x)ᵀ · dy
// has fh * fw * C rows, so the GEMM runs mostly edge tiles and the copies bound the kernels. Both
// are written here as sums over the filter's taps, vectorised over output channels:
//
// input gradient  dx[r, c, ch] = Σ_{fy, fx} Σ_oc dy[r + pt - fy*dH, c + pl - fx*dW, oc] · W[fy, fx,
// ch, oc]
// filter gradient dW[fy, fx, ch, oc] += Σ_{y, x} xPad[y*sH + fy*dH, x*sW + fx*dW, ch] · dy[y, x,
// oc]
//
import {EDGE} from './gemm';

// Their operands are laid out once per image by blockChannels: channels in blocks of four, each
// row of the image holding its blocks one after the other, so that one block of eight neighbouring
// cells is eight v128 at fixed offsets from one address.

/** Copies src (h × w cells of n floats, NHWC) into dst in channel blocks, with src's cell (0, 0)
 *  at dst's cell (top, left): block b (channels 4b to 4b + 3) of cell (r, col) is the v128 at
 *  dst + ((r * nb + b) * wq + col) * 16, nb = ceil(n / 4). dst is hq × nb × wq v128; every float
 *  of it that src does not fill (padding, channels past n) is zero. */
export function blockChannels(src: usize, h: i32, w: i32, n: i32, dst: usize, hq: i32, wq: i32,
                              top: i32, left: i32): void {
  const nb = (n + 3) >> 2;
  const blockRow = <usize>wq << 4;
  memory.fill(dst, 0, <usize>hq * <usize>nb * blockRow);
  const c0 = max<i32>(0, -left);
  const c1 = min<i32>(w, wq - left);
  const whole = n >> 2;
  const cellBytes = <usize>n << 2;
  for (let r = max<i32>(0, -top); r < h; r++) {
    const pr = r + top;
    if (pr >= hq) break;
    const rowAt = dst + <usize>pr * <usize>nb * blockRow + (<usize>left << 4);
    let s = src + <usize>(r * w + c0) * cellBytes;
    for (let col = c0; col < c1; col++, s += cellBytes) {
      let d = rowAt + (<usize>col << 4);
      let b = 0;
      for (; b < whole; b++, d += blockRow) v128.store(d, v128.load(s + (<usize>b << 4)));
      if (b < nb) {
        for (let lane = b << 2; lane < n; lane++) {
          store<f32>(d + (<usize>(lane & 3) << 2), load<f32>(s + (<usize>lane << 2)));
        }
      }
    }
  }
}

/** The sums of four vectors, as one: [Σa, Σb, Σc, Σd]. */
// @ts-ignore: decorator
@inline
function sums4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(f32x4.shuffle(a, b, 0, 4, 1, 5), f32x4.shuffle(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(f32x4.shuffle(c, d, 0, 4, 1, 5), f32x4.shuffle(c, d, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(ab, cd, 0, 1, 4, 5), f32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

/** Stores lanes of v for the cells col0 .. col0 + 3 of a dx row (only those below w), channel ch
 *  of c: one v128 where the four are whole and contiguous (c = 1). */
// @ts-ignore: decorator
@inline
function storeCells(dxRow: usize, v: v128, col0: i32, w: i32, c: i32, ch: i32): void {
  if (c == 1 && col0 + 4 <= w) {
    v128.store(dxRow + (<usize>col0 << 2), v);
    return;
  }
  const cells = min<i32>(4, w - col0);
  if (cells <= 0) return;
  const at = dxRow + (<usize>(col0 * c + ch) << 2);
  const step = <usize>c << 2;
  store<f32>(at, f32x4.extract_lane(v, 0));
  if (cells > 1) store<f32>(at + step, f32x4.extract_lane(v, 1));
  if (cells > 2) store<f32>(at + step * 2, f32x4.extract_lane(v, 2));
  if (cells > 3) store<f32>(at + step * 3, f32x4.extract_lane(v, 3));
}

/** The sums of eight neighbouring dx cells of one channel, left in the GEMM's edge tile as two
 *  v128 (cells 0-3, 4-7): at is the blocked dy's cell under the first dx cell's tap (fh - 1,
 *  fw - 1), filt the filter's block 0 of tap (0, 0) for this channel. Each cell sums v128s of
 *  four output channels over the taps and blocks; the eight are reduced at the end. */
export function cellSums8(at: usize, dybRow: usize, blockRow: usize, nb: i32, fh: i32, fw: i32,
                          dH: i32, dW: i32, filt: usize, tapBytes: usize, filtBlock: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  const dxStep = <usize>dW << 4;
  for (let fy = 0; fy < fh; fy++) {
    const rowAt = at + <usize>((fh - 1 - fy) * dH) * dybRow + <usize>(fw - 1) * dxStep;
    const tapAt = filt + <usize>(fy * fw) * tapBytes;
    for (let b = 0; b < nb; b++) {
      // Along the filter row: dy's cell moves left by dW as the tap moves right.
      let p = rowAt + <usize>b * blockRow;
      let f = tapAt + <usize>b * filtBlock;
      for (let fx = 0; fx < fw; fx++, p -= dxStep, f += tapBytes) {
        const wv = v128.load(f);
        a0 = f32x4.add(a0, f32x4.mul(v128.load(p), wv));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(p, 16), wv));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(p, 32), wv));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(p, 48), wv));
        a4 = f32x4.add(a4, f32x4.mul(v128.load(p, 64), wv));
        a5 = f32x4.add(a5, f32x4.mul(v128.load(p, 80), wv));
        a6 = f32x4.add(a6, f32x4.mul(v128.load(p, 96), wv));
        a7 = f32x4.add(a7, f32x4.mul(v128.load(p, 112), wv));
      }
    }
  }
  v128.store(EDGE, sums4(a0, a1, a2, a3));
  v128.store(EDGE, sums4(a4, a5, a6, a7), 16);
}

/** cellSums8 for the last four cells of a row (when at most four are left): one v128 of sums
 *  in the edge tile. Kept apart from cellSums8, whose eight accumulators are its speed. */
export function cellSums4(at: usize, dybRow: usize, blockRow: usize, nb: i32, fh: i32, fw: i32,
                          dH: i32, dW: i32, filt: usize, tapBytes: usize, filtBlock: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  const dxStep = <usize>dW << 4;
  for (let fy = 0; fy < fh; fy++) {
    const rowAt = at + <usize>((fh - 1 - fy) * dH) * dybRow + <usize>(fw - 1) * dxStep;
    const tapAt = filt + <usize>(fy * fw) * tapBytes;
    for (let b = 0; b < nb; b++) {
      let p = rowAt + <usize>b * blockRow;
      let f = tapAt + <usize>b * filtBlock;
      for (let fx = 0; fx < fw; fx++, p -= dxStep, f += tapBytes) {
        const wv = v128.load(f);
        a0 = f32x4.add(a0, f32x4.mul(v128.load(p), wv));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(p, 16), wv));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(p, 32), wv));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(p, 48), wv));
      }
    }
  }
  v128.store(EDGE, sums4(a0, a1, a2, a3));
}

/** dx (h × w × c, NHWC) of one image at stride 1, from dy in channel blocks (blockChannels: nb
 *  blocks, wq cells a row, placed so that dx cell (r, col)'s tap (fy, fx) reads block cell
 *  (r + (fh - 1 - fy) * dH, col + (fw - 1 - fx) * dW); wq covers whole runs of eight dx cells)
 *  and the filter in channel blocks too (one row of fh * fw * c cells: filt holds W[tap, ch]'s
 *  block b at filt + (b * fh * fw * c + tap * c + ch) * 16), eight dx cells of one channel at a
 *  time (cellSums8; cellSums4 for a row's last four or fewer). */
export function inputGradFew(dyb: usize, nb: i32, wq: i32, h: i32, w: i32, c: i32, fh: i32,
                             fw: i32, dH: i32, dW: i32, filt: usize, dx: usize): void {
  const blockRow = <usize>wq << 4;
  const dybRow = <usize>nb * blockRow;
  const tapBytes = <usize>c << 4;
  const filtBlock = <usize>(fh * fw * c) << 4;
  const dxRowBytes = <usize>(w * c) << 2;
  for (let r = 0; r < h; r++) {
    const dxRow = dx + <usize>r * dxRowBytes;
    for (let ch = 0; ch < c; ch++) {
      const f = filt + (<usize>ch << 4);
      for (let col0 = 0; col0 < w; col0 += 8) {
        const at = dyb + <usize>r * dybRow + (<usize>col0 << 4);
        if (w - col0 <= 4) {
          cellSums4(at, dybRow, blockRow, nb, fh, fw, dH, dW, f, tapBytes, filtBlock);
          storeCells(dxRow, v128.load(EDGE), col0, w, c, ch);
          break;
        }
        cellSums8(at, dybRow, blockRow, nb, fh, fw, dH, dW, f, tapBytes, filtBlock);
        storeCells(dxRow, v128.load(EDGE), col0, w, c, ch);
        storeCells(dxRow, v128.load(EDGE, 16), col0 + 4, w, c, ch);
      }
    }
  }
}

/** The byte offset of tap t = (fy * fw + fx) * c + ch in a padded image pw cells of c wide. */
// @ts-ignore: decorator
@inline
function tapOffset(t: i32, fw: i32, c: i32, pw: i32, dH: i32, dW: i32): usize {
  const cell = t / c;
  const fy = cell / fw;
  const fx = cell - fy * fw;
  return <usize>((fy * dH * pw + fx * dW) * c + (t - cell * c)) << 2;
}

/** Adds s into the v128 at p. */
// @ts-ignore: decorator
@inline
function addTo(p: usize, s: v128): void {
  v128.store(p, f32x4.add(v128.load(p), s));
}

/** The sums of four taps by two channel blocks over one image, stored at sums (8 v128, tap by
 *  tap): the x of taps o0 to o3 (byte offsets from the window's origin) broadcast, times dy's
 *  blocks at d and d + second. A function of its own, so that the loop's values keep their
 *  registers (inside filterGradFew's loops they did not: the pass ran 2.5x slower). */
export function tapSums(xp: usize, xRowBytes: usize, xStep: usize, outH: i32, outW: i32, o0: usize,
                        o1: usize, o2: usize, o3: usize, dyb: usize, dyRowBytes: usize,
                        cellBytes: usize, second: usize, sums: usize): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  for (let y = 0; y < outH; y++) {
    let xa = xp + <usize>y * xRowBytes;
    let d = dyb + <usize>y * dyRowBytes;
    for (let x = 0; x < outW; x++, xa += xStep, d += cellBytes) {
      const d0 = v128.load(d);
      const d1 = v128.load(d + second);
      let s = v128.load32_splat(xa + o0);
      s00 = f32x4.add(s00, f32x4.mul(s, d0));
      s01 = f32x4.add(s01, f32x4.mul(s, d1));
      s = v128.load32_splat(xa + o1);
      s10 = f32x4.add(s10, f32x4.mul(s, d0));
      s11 = f32x4.add(s11, f32x4.mul(s, d1));
      s = v128.load32_splat(xa + o2);
      s20 = f32x4.add(s20, f32x4.mul(s, d0));
      s21 = f32x4.add(s21, f32x4.mul(s, d1));
      s = v128.load32_splat(xa + o3);
      s30 = f32x4.add(s30, f32x4.mul(s, d0));
      s31 = f32x4.add(s31, f32x4.mul(s, d1));
    }
  }
  v128.store(sums, s00); v128.store(sums, s01, 16);
  v128.store(sums, s10, 32); v128.store(sums, s11, 48);
  v128.store(sums, s20, 64); v128.store(sums, s21, 80);
  v128.store(sums, s30, 96); v128.store(sums, s31, 112);
}

/** acc (one row of nb v128 per tap, the taps (fy, fx, ch) in the filter's order) += the filter
 *  gradient of one image: xp the padded image (pw cells of c floats a row, output cell (y, x)'s
 *  window at padded cell (y * sH, x * sW)), dy's block b of output cell (y, x) the v128 at
 *  dy + y * dyRowBytes + x * cellBytes + b * blockBytes (dy in channel blocks, or dy itself when
 *  its channels are whole blocks: cellBytes = outC * 4, blockBytes = 16). Four taps by two
 *  channel blocks at a time (tapSums): each output cell broadcasts the four taps' x and
 *  multiplies them by dy's two blocks, over the whole image before the sums are stored. */
export function filterGradFew(xp: usize, pw: i32, c: i32, outH: i32, outW: i32, fh: i32, fw: i32,
                              sH: i32, sW: i32, dH: i32, dW: i32, dy: usize, nb: i32,
                              dyRowBytes: usize, cellBytes: usize, blockBytes: usize,
                              acc: usize): void {
  const taps = fh * fw * c;
  const xRowBytes = <usize>(sH * pw * c) << 2;
  const xStep = <usize>(sW * c) << 2;
  const accRow = <usize>nb << 4;
  for (let t0 = 0; t0 < taps; t0 += 4) {
    // A short group repeats its last tap; its sums are dropped.
    const last = taps - 1;
    const o0 = tapOffset(t0, fw, c, pw, dH, dW);
    const o1 = tapOffset(min<i32>(t0 + 1, last), fw, c, pw, dH, dW);
    const o2 = tapOffset(min<i32>(t0 + 2, last), fw, c, pw, dH, dW);
    const o3 = tapOffset(min<i32>(t0 + 3, last), fw, c, pw, dH, dW);
    for (let b = 0; b < nb; b += 2) {
      // A lone last block is read twice; its second sums are dropped.
      const second: usize = b + 1 < nb ? blockBytes : 0;
      tapSums(xp, xRowBytes, xStep, outH, outW, o0, o1, o2, o3, dy + <usize>b * blockBytes,
              dyRowBytes, cellBytes, second, EDGE);
      const two = b + 1 < nb;
      // The pass left its sums in the GEMM's edge tile (gemm.ts), 128 bytes of scratch.
      const at = acc + <usize>t0 * accRow + (<usize>b << 4);
      for (let t = 0; t < 4 && t0 + t <= last; t++) {
        addTo(at + accRow * t, v128.load(EDGE + (<usize>t << 5)));
        if (two) addTo(at + accRow * t + 16, v128.load(EDGE + (<usize>t << 5), 16));
      }
    }
  }
}
