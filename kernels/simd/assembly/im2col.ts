// im2col and its transpose col2im over one NHWC image, for one channel group and a run of output
// positions. Position p = yR * outW + yC; column (wR * fw + wC) * cg + k of its row holds
//   x[yR*sH - padTop + wR*dH, yC*sW - padLeft + wC*dW, group * cg + k]    (0 outside x),
// the order of the filter's [wR][wC][k] rows, so that y = col · W. A window row's taps that
// land inside x are one run of memory when dW = 1 and the group spans all channels: it is
// copied (or added back) in one go; the taps in the padding are zeroed (or dropped).

let inH: i32 = 0, inW: i32 = 0, inC: i32 = 0;
let outW: i32 = 0;
let fh: i32 = 0, fw: i32 = 0;
let sH: i32 = 1, sW: i32 = 1, dH: i32 = 1, dW: i32 = 1;
let padTop: i32 = 0, padLeft: i32 = 0;
let cg: i32 = 0;

/** Sets the geometry that im2col and col2im use until the next call. */
export function setWindows(inHeight: i32, inWidth: i32, inChannels: i32, outWidth: i32,
                           filterHeight: i32, filterWidth: i32, strideHeight: i32,
                           strideWidth: i32, dilationHeight: i32, dilationWidth: i32,
                           top: i32, left: i32, channelsPerGroup: i32): void {
  inH = inHeight; inW = inWidth; inC = inChannels; outW = outWidth;
  fh = filterHeight; fw = filterWidth; sH = strideHeight; sW = strideWidth;
  dH = dilationHeight; dW = dilationWidth; padTop = top; padLeft = left;
  cg = channelsPerGroup;
}

/** The first tap wC of a window row whose tap 0 reads column xC0 that lands inside x. */
// @ts-ignore: decorator
@inline
function firstTap(xC0: i32): i32 {
  if (xC0 >= 0) return 0;
  return min<i32>(fw, dW == 1 ? -xC0 : (-xC0 + dW - 1) / dW);
}

/** One past the last tap wC inside x. */
// @ts-ignore: decorator
@inline
function endTap(xC0: i32): i32 {
  const room = inW - xC0;
  if (room <= 0) return 0;
  return min<i32>(fw, dW == 1 ? room : (room + dW - 1) / dW);
}

/** Fills col (rows × fh * fw * cg floats) with the rows of positions [p0, p0 + rows). */
export function im2col(x: usize, group: i32, p0: i32, rows: i32, col: usize): void {
  const rowBytes = <usize>(fw * cg) << 2;
  const cellBytes = <usize>cg << 2;
  const contiguous = dW == 1 && cg == inC;
  let yR = p0 / outW;
  let yC = p0 - yR * outW;
  let o = col;
  for (let p = 0; p < rows; p++) {
    const xR0 = yR * sH - padTop;
    const xC0 = yC * sW - padLeft;
    const wC0 = firstTap(xC0);
    const wC1 = max<i32>(wC0, endTap(xC0));
    for (let wR = 0; wR < fh; wR++, o += rowBytes) {
      const xR = xR0 + wR * dH;
      if (xR < 0 || xR >= inH) {
        zeroFloats(o, rowBytes);
        continue;
      }
      const head = <usize>wC0 * cellBytes;
      const tail = <usize>wC1 * cellBytes;
      if (head > 0) zeroFloats(o, head);
      if (tail < rowBytes) zeroFloats(o + tail, rowBytes - tail);
      // x's offset of tap wC's first channel: rowBase + wC * dW * inC floats
      const rowBase = x + <usize>(((xR * inW + xC0) * inC + group * cg) << 2);
      if (contiguous) {
        copyFloats(o + head, rowBase + head, tail - head);
      } else {
        const step = <usize>(dW * inC) << 2;
        let src = rowBase + <usize>wC0 * step;
        for (let d = o + head; d < o + tail; d += cellBytes, src += step) {
          copyFloats(d, src, cellBytes);
        }
      }
    }
    if (++yC == outW) {
      yC = 0;
      yR++;
    }
  }
}

/** dx += col2im(col): adds each entry of the rows of positions [p0, p0 + rows) back into the x
 *  cell it was read from; taps in the padding are dropped. */
export function col2im(col: usize, group: i32, p0: i32, rows: i32, dx: usize): void {
  const rowBytes = <usize>(fw * cg) << 2;
  const cellBytes = <usize>cg << 2;
  const contiguous = dW == 1 && cg == inC;
  let yR = p0 / outW;
  let yC = p0 - yR * outW;
  let o = col;
  for (let p = 0; p < rows; p++) {
    const xR0 = yR * sH - padTop;
    const xC0 = yC * sW - padLeft;
    const wC0 = firstTap(xC0);
    const wC1 = max<i32>(wC0, endTap(xC0));
    for (let wR = 0; wR < fh; wR++, o += rowBytes) {
      const xR = xR0 + wR * dH;
      if (xR < 0 || xR >= inH) continue;
      const head = <usize>wC0 * cellBytes;
      const tail = <usize>wC1 * cellBytes;
      const rowBase = dx + <usize>(((xR * inW + xC0) * inC + group * cg) << 2);
      if (contiguous) {
        addInto(rowBase + head, o + head, tail - head);
      } else {
        const step = <usize>(dW * inC) << 2;
        let dst = rowBase + <usize>wC0 * step;
        for (let s = o + head; s < o + tail; s += cellBytes, dst += step) {
          addInto(dst, s, cellBytes);
        }
      }
    }
    if (++yC == outW) {
      yC = 0;
      yR++;
    }
  }
}

/** dst[i] += src[i] over `bytes` bytes of floats. */
// @ts-ignore: decorator
@inline
function addInto(dst: usize, src: usize, bytes: usize): void {
  const end = dst + bytes;
  const vectorEnd = dst + (bytes & ~15);
  for (; dst < vectorEnd; dst += 16, src += 16) {
    v128.store(dst, f32x4.add(v128.load(dst), v128.load(src)));
  }
  for (; dst < end; dst += 4, src += 4) store<f32>(dst, load<f32>(dst) + load<f32>(src));
}

/** Runs of a window row are short (a 5x5 filter over one channel: 20 bytes): below this many
 *  bytes a loop of loads beats memory.copy and memory.fill, which V8 calls out of line. */
const SHORT_RUN: usize = 128;

/** Copies `bytes` bytes of floats from src to dst (not overlapping). */
// @ts-ignore: decorator
@inline
function copyFloats(dst: usize, src: usize, bytes: usize): void {
  if (bytes > SHORT_RUN) {
    memory.copy(dst, src, bytes);
    return;
  }
  const end = dst + bytes;
  for (; dst + 16 <= end; dst += 16, src += 16) v128.store(dst, v128.load(src));
  for (; dst < end; dst += 4, src += 4) store<f32>(dst, load<f32>(src));
}

/** Zeroes `bytes` bytes of floats at dst. */
// @ts-ignore: decorator
@inline
function zeroFloats(dst: usize, bytes: usize): void {
  if (bytes > SHORT_RUN) {
    memory.fill(dst, 0, bytes);
    return;
  }
  const end = dst + bytes;
  const zero = i32x4.splat(0);
  for (; dst + 16 <= end; dst += 16) v128.store(dst, zero);
  for (; dst < end; dst += 4) store<f32>(dst, 0);
}
