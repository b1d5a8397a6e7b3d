// Max pool over one NHWC image, four channels per v128, and its gradient.
//
// Forward: each output cell scans its window's taps that lie inside x in row-major order and
// keeps, per lane, the value and the tap t = wR * fw + wC of the first strict maximum:
// f32x4.gt is false for a NaN on either side and for equal values, so a NaN never wins, a tie
// keeps the earlier tap, and a window without a number keeps the start, -Infinity with tap -1.
// The kept value is f32x4.pmax(best, v), which is exactly `best < v ? v : best` (one maxps on
// x64), so y holds the winning float's bits. The kept tap needs no select: the lanes keep tap + 1,
// starting at 0, and the taps are scanned in increasing order, so a winning tap's t + 1 is above
// what is kept, and max(kept, (t + 1) & wins) is t + 1 where the tap wins and the kept value where
// it does not; 1 is subtracted as argmax is stored (-1 where nothing won).
//
// Gradient: dx[cell of argmax] += dy. Per lane the argmax names a different tap, so each tap of
// the window adds dy masked to the lanes whose argmax is that tap (the others add +0, which
// leaves any sum unchanged since dx starts at +0). The adds happen in the order of output cells,
// as the scalar scatter does them, so dx is the same to the bit.

let inH: i32 = 0, inW: i32 = 0, chans: i32 = 0;
let outH: i32 = 0, outW: i32 = 0;
let fh: i32 = 0, fw: i32 = 0;
let sH: i32 = 1, sW: i32 = 1, dH: i32 = 1, dW: i32 = 1;
let padTop: i32 = 0, padLeft: i32 = 0;

/** Sets the geometry that maxPool and maxPoolGrad use until the next call. */
export function setPool(inHeight: i32, inWidth: i32, channels: i32, outHeight: i32,
                        outWidth: i32, filterHeight: i32, filterWidth: i32, strideHeight: i32,
                        strideWidth: i32, dilationHeight: i32, dilationWidth: i32, top: i32,
                        left: i32): void {
  inH = inHeight; inW = inWidth; chans = channels; outH = outHeight; outW = outWidth;
  fh = filterHeight; fw = filterWidth; sH = strideHeight; sW = strideWidth;
  dH = dilationHeight; dW = dilationWidth; padTop = top; padLeft = left;
}

/** The first window row (or column) at a corner c whose cell lies inside [0, size). */
// @ts-ignore: decorator
@inline
function firstInside(corner: i32, dilation: i32, taps: i32): i32 {
  if (corner >= 0) return 0;
  return min<i32>(taps, dilation == 1 ? -corner : (-corner + dilation - 1) / dilation);
}

/** One past the last window row (or column) inside [0, size). */
// @ts-ignore: decorator
@inline
function endInside(corner: i32, dilation: i32, taps: i32, size: i32): i32 {
  const room = size - corner;
  if (room <= 0) return 0;
  return min<i32>(taps, dilation == 1 ? room : (room + dilation - 1) / dilation);
}

/** y and argmax (outH × outW × chans each) of the image x. */
export function maxPool(x: usize, y: usize, argmax: usize): void {
  scan(x, y, argmax, true);
}

/** y (outH × outW × chans) of the image x without the argmax: the same scan keeping only the
 *  value (under 16 channels in whole vectors, maxPoolValuesFew's runs, the same rule), so y is
 *  bit for bit maxPool's. */
export function maxPoolValues(x: usize, y: usize): void {
  if ((chans & 3) == 0 && chans < 16) {
    maxPoolValuesFew(x, y);
    return;
  }
  scan(x, y, 0, false);
}

/** maxPoolValues for channels in whole vectors, fewer than 16: there the scan's per-cell
 *  geometry and its walks' set-up, not the loads, took most of the time (eight 28x28x8 images,
 *  2x2/2: 12.2 µs through the scan, 6.6 µs here; 3x3/1 'same', 58.8 and 39.1). Each output
 *  row's cells whose windows lie wholly inside x are one run of windowMax; the others, at the
 *  edges, each its own clipped window (an empty one stays -Infinity, as in the scan). */
export function maxPoolValuesFew(x: usize, y: usize): void {
  const cellBytes = <usize>chans << 2;
  const rowBytes = <usize>inW * cellBytes;
  const tapRowStep = <usize>dH * rowBytes;
  const tapColStep = <usize>dW * cellBytes;
  const stride = <usize>sW * cellBytes;
  // The output columns whose windows lie inside x across.
  const inLo = min<i32>(outW, (padLeft + sW - 1) / sW);
  const inHi = max<i32>(inLo, min<i32>(outW, (inW + padLeft - (fw - 1) * dW + sW - 1) / sW));
  let o = y;
  for (let yR = 0; yR < outH; yR++) {
    const xR0 = yR * sH - padTop;
    const wR0 = firstInside(xR0, dH, fh);
    const wR1 = max<i32>(wR0, endInside(xR0, dH, fh, inH));
    const rowAt = x + <usize>((xR0 + wR0 * dH) * inW) * cellBytes;
    for (let yC = 0; yC < outW; yC++, o += cellBytes) {
      const xC0 = yC * sW - padLeft;
      if (yC == inLo && inHi > inLo) {
        const cells = inHi - inLo;
        windowMax(rowAt + <usize>xC0 * cellBytes, o, cells, stride, cellBytes, wR1 - wR0, fw,
                  tapRowStep, tapColStep);
        yC += cells - 1;
        o += <usize>(cells - 1) * cellBytes;
        continue;
      }
      const wC0 = firstInside(xC0, dW, fw);
      const wC1 = max<i32>(wC0, endInside(xC0, dW, fw, inW));
      windowMax(rowAt + <usize>(xC0 + wC0 * dW) * cellBytes, o, 1, stride, cellBytes, wR1 - wR0,
                wC1 - wC0, tapRowStep, tapColStep);
    }
  }
}

/** y at out, out + bytes, ... for `cells` output cells stride bytes apart in x: each the max of
 *  its window (rows × cols taps, rowStep and colStep bytes apart, from the tap at first), in
 *  raster order from -Infinity, pmax keeping the first of equal values and no NaN (the scan's
 *  rule, bit for bit); bytes a whole number of vectors. */
export function windowMax(first: usize, out: usize, cells: i32, stride: usize, bytes: usize,
                          rows: i32, cols: i32, rowStep: usize, colStep: usize): void {
  const negInf = f32x4.splat(-Infinity);
  const rowsBytes = <usize>rows * rowStep;
  const colsBytes = <usize>cols * colStep;
  for (let i = 0; i < cells; i++, first += stride, out += bytes) {
    let lane: usize = 0;
    // Two vectors a walk: two independent chains of pmax.
    for (; lane + 32 <= bytes; lane += 32) {
      let b0 = negInf, b1 = negInf;
      const rowEnd = first + lane + rowsBytes;
      for (let rowAt = first + lane; rowAt < rowEnd; rowAt += rowStep) {
        const colEnd = rowAt + colsBytes;
        for (let at = rowAt; at < colEnd; at += colStep) {
          b0 = f32x4.pmax(b0, v128.load(at)); b1 = f32x4.pmax(b1, v128.load(at, 16));
        }
      }
      v128.store(out + lane, b0); v128.store(out + lane, b1, 16);
    }
    if (lane < bytes) {
      let b0 = negInf;
      const rowEnd = first + lane + rowsBytes;
      for (let rowAt = first + lane; rowAt < rowEnd; rowAt += rowStep) {
        const colEnd = rowAt + colsBytes;
        for (let at = rowAt; at < colEnd; at += colStep) b0 = f32x4.pmax(b0, v128.load(at));
      }
      v128.store(out + lane, b0);
    }
  }
}

/** The scan of both: inlined with keepArgmax a constant, so each export compiles without the
 *  other's branches (the values-only one has no tap arithmetic at all). */
// @ts-ignore: decorator
@inline
function scan(x: usize, y: usize, argmax: usize, keepArgmax: bool): void {
  const cellBytes = <usize>chans << 2;
  const vectorBytes = cellBytes & ~15;
  const rowBytes = <usize>inW * cellBytes;
  const tapRowStep = <usize>dH * rowBytes;
  const tapColStep = <usize>dW * cellBytes;
  const negInf = f32x4.splat(-Infinity);
  const zero = i32x4.splat(0);
  const one = i32x4.splat(1);
  let o: usize = 0;
  for (let yR = 0; yR < outH; yR++) {
    const xR0 = yR * sH - padTop;
    const wR0 = firstInside(xR0, dH, fh);
    const wR1 = max<i32>(wR0, endInside(xR0, dH, fh, inH));
    for (let yC = 0; yC < outW; yC++, o += cellBytes) {
      const xC0 = yC * sW - padLeft;
      const wC0 = firstInside(xC0, dW, fw);
      const wC1 = max<i32>(wC0, endInside(xC0, dW, fw, inW));
      // The cell of tap (wR0, wC0), channel 0.
      const first = x + <usize>((((xR0 + wR0 * dH) * inW) + xC0 + wC0 * dW) * chans << 2);
      let lane: usize = 0;
      // Without the argmax, eight vectors (32 channels) at a time: the walk of the window, its
      // pointer and its counts, shared by twice as many loads.
      if (!keepArgmax) {
        for (; lane + 128 <= vectorBytes; lane += 128) {
          let b0 = negInf, b1 = negInf, b2 = negInf, b3 = negInf;
          let b4 = negInf, b5 = negInf, b6 = negInf, b7 = negInf;
          let rowAt = first + lane;
          for (let wR = wR0; wR < wR1; wR++, rowAt += tapRowStep) {
            let at = rowAt;
            for (let wC = wC0; wC < wC1; wC++, at += tapColStep) {
              b0 = f32x4.pmax(b0, v128.load(at)); b1 = f32x4.pmax(b1, v128.load(at, 16));
              b2 = f32x4.pmax(b2, v128.load(at, 32)); b3 = f32x4.pmax(b3, v128.load(at, 48));
              b4 = f32x4.pmax(b4, v128.load(at, 64)); b5 = f32x4.pmax(b5, v128.load(at, 80));
              b6 = f32x4.pmax(b6, v128.load(at, 96)); b7 = f32x4.pmax(b7, v128.load(at, 112));
            }
          }
          const out = y + o + lane;
          v128.store(out, b0); v128.store(out, b1, 16);
          v128.store(out, b2, 32); v128.store(out, b3, 48);
          v128.store(out, b4, 64); v128.store(out, b5, 80);
          v128.store(out, b6, 96); v128.store(out, b7, 112);
        }
      }
      // Four vectors (16 channels) at a time: four independent chains of compare and select.
      for (; lane + 64 <= vectorBytes; lane += 64) {
        let b0 = negInf, b1 = negInf, b2 = negInf, b3 = negInf;
        let t0 = zero, t1 = zero, t2 = zero, t3 = zero;
        let rowAt = first + lane;
        for (let wR = wR0; wR < wR1; wR++, rowAt += tapRowStep) {
          let at = rowAt;
          for (let wC = wC0; wC < wC1; wC++, at += tapColStep) {
            const v0 = v128.load(at), v1 = v128.load(at, 16);
            const v2 = v128.load(at, 32), v3 = v128.load(at, 48);
            if (keepArgmax) {
              const t = i32x4.splat(wR * fw + wC + 1);
              t0 = i32x4.max_s(t0, v128.and(t, f32x4.gt(v0, b0)));
              t1 = i32x4.max_s(t1, v128.and(t, f32x4.gt(v1, b1)));
              t2 = i32x4.max_s(t2, v128.and(t, f32x4.gt(v2, b2)));
              t3 = i32x4.max_s(t3, v128.and(t, f32x4.gt(v3, b3)));
            }
            b0 = f32x4.pmax(b0, v0); b1 = f32x4.pmax(b1, v1);
            b2 = f32x4.pmax(b2, v2); b3 = f32x4.pmax(b3, v3);
          }
        }
        const out = y + o + lane;
        v128.store(out, b0); v128.store(out, b1, 16);
        v128.store(out, b2, 32); v128.store(out, b3, 48);
        if (keepArgmax) {
          const arg = argmax + o + lane;
          v128.store(arg, i32x4.sub(t0, one)); v128.store(arg, i32x4.sub(t1, one), 16);
          v128.store(arg, i32x4.sub(t2, one), 32); v128.store(arg, i32x4.sub(t3, one), 48);
        }
      }
      // Two vectors (8 channels, as many as a small layer has): one walk of the window for both.
      for (; lane + 32 <= vectorBytes; lane += 32) {
        let b0 = negInf, b1 = negInf;
        let t0 = zero, t1 = zero;
        let rowAt = first + lane;
        for (let wR = wR0; wR < wR1; wR++, rowAt += tapRowStep) {
          let at = rowAt;
          for (let wC = wC0; wC < wC1; wC++, at += tapColStep) {
            const v0 = v128.load(at), v1 = v128.load(at, 16);
            if (keepArgmax) {
              const t = i32x4.splat(wR * fw + wC + 1);
              t0 = i32x4.max_s(t0, v128.and(t, f32x4.gt(v0, b0)));
              t1 = i32x4.max_s(t1, v128.and(t, f32x4.gt(v1, b1)));
            }
            b0 = f32x4.pmax(b0, v0); b1 = f32x4.pmax(b1, v1);
          }
        }
        const out = y + o + lane;
        v128.store(out, b0); v128.store(out, b1, 16);
        if (keepArgmax) {
          const arg = argmax + o + lane;
          v128.store(arg, i32x4.sub(t0, one)); v128.store(arg, i32x4.sub(t1, one), 16);
        }
      }
      for (; lane < vectorBytes; lane += 16) {
        let best = negInf;
        let tap = zero;
        let rowAt = first + lane;
        for (let wR = wR0; wR < wR1; wR++, rowAt += tapRowStep) {
          let at = rowAt;
          for (let wC = wC0; wC < wC1; wC++, at += tapColStep) {
            const v = v128.load(at);
            if (keepArgmax) {
              tap = i32x4.max_s(tap, v128.and(i32x4.splat(wR * fw + wC + 1), f32x4.gt(v, best)));
            }
            best = f32x4.pmax(best, v);
          }
        }
        v128.store(y + o + lane, best);
        if (keepArgmax) v128.store(argmax + o + lane, i32x4.sub(tap, one));
      }
      for (; lane < cellBytes; lane += 4) {
        let best: f32 = -Infinity;
        let bestBits: u32 = reinterpret<u32>(best);
        let tap: i32 = -1;
        let rowAt = first + lane;
        for (let wR = wR0; wR < wR1; wR++, rowAt += tapRowStep) {
          let at = rowAt;
          for (let wC = wC0; wC < wC1; wC++, at += tapColStep) {
            const v = load<f32>(at);
            if (v > best) {
              best = v;
              bestBits = load<u32>(at);
              tap = wR * fw + wC;
            }
          }
        }
        store<u32>(y + o + lane, bestBits);
        if (keepArgmax) store<i32>(argmax + o + lane, tap);
      }
    }
  }
}

/** dx (inH × inW × chans, zeroed here) = the scatter of dy at argmax. */
export function maxPoolGrad(dy: usize, argmax: usize, dx: usize): void {
  const cellBytes = <usize>chans << 2;
  const vectorBytes = cellBytes & ~15;
  const rowBytes = <usize>inW * cellBytes;
  const tapRowStep = <usize>dH * rowBytes;
  const tapColStep = <usize>dW * cellBytes;
  // Windows that tile x exactly (stride = window, undilated, unpadded, no cell left over, as a
  // 2x2/2 pool of an even image) write every cell of dx once: no zeroing and no read of dx, each
  // cell stored as +0 + (dy or +0), the sum the scatter would make, -0 included.
  const tiles = sH == fh && sW == fw && dH == 1 && dW == 1 && padTop == 0 && padLeft == 0 &&
      outH * sH == inH && outW * sW == inW;
  if (!tiles) memory.fill(dx, 0, <usize>inH * rowBytes);
  const zero = f32x4.splat(0);
  let o: usize = 0;
  for (let yR = 0; yR < outH; yR++) {
    const xR0 = yR * sH - padTop;
    const wR0 = firstInside(xR0, dH, fh);
    const wR1 = max<i32>(wR0, endInside(xR0, dH, fh, inH));
    for (let yC = 0; yC < outW; yC++, o += cellBytes) {
      const xC0 = yC * sW - padLeft;
      const wC0 = firstInside(xC0, dW, fw);
      const wC1 = max<i32>(wC0, endInside(xC0, dW, fw, inW));
      const first = dx + <usize>((((xR0 + wR0 * dH) * inW) + xC0 + wC0 * dW) * chans << 2);
      let lane: usize = 0;
      for (; lane < vectorBytes; lane += 16) {
        const g = v128.load(dy + o + lane);
        const taps = v128.load(argmax + o + lane);
        let rowAt = first + lane;
        for (let wR = wR0; wR < wR1; wR++, rowAt += tapRowStep) {
          let at = rowAt;
          for (let wC = wC0; wC < wC1; wC++, at += tapColStep) {
            const mine = v128.and(g, i32x4.eq(taps, i32x4.splat(wR * fw + wC)));
            v128.store(at, f32x4.add(tiles ? zero : v128.load(at), mine));
          }
        }
      }
      for (; lane < cellBytes; lane += 4) {
        if (tiles) {
          // Zero this lane of the window's cells first: nothing else writes them.
          let rowAt = first + lane;
          for (let wR = wR0; wR < wR1; wR++, rowAt += tapRowStep) {
            let at = rowAt;
            for (let wC = wC0; wC < wC1; wC++, at += tapColStep) store<f32>(at, 0);
          }
        }
        const tap = load<i32>(argmax + o + lane);
        if (tap < 0) continue;
        const wR = tap / fw;
        const wC = tap - wR * fw;
        const at = dx + <usize>((((xR0 + wR * dH) * inW) + xC0 + wC * dW) * chans << 2) + lane;
        store<f32>(at, load<f32>(at) + load<f32>(dy + o + lane));
      }
    }
  }
}
