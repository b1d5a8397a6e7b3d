// The fused convolution's epilogue on the output where it lies: y = act(y + bias) with a bias (and
// PReLU weights) of one value per output channel, NHWC, four channels per v128. Each lane does
// exactly what the scalar epilogue does (kernels/cpu/fused_conv2d.ts applyBiasActivation): the
// sum rounds once to float32, and `y < 0` chooses, so NaN and -0 pass the activations unchanged.

/** The activations done here; elu and sigmoid (an exponential) stay in TypeScript. */
export const LINEAR = 0;
export const RELU = 1;
export const RELU6 = 2;
const LEAKY_RELU = 3;
export const PRELU = 4;

// @ts-ignore: decorator
@inline
export function activate(v: v128, kind: i32, alpha: v128, w: v128): v128 {
  const zero = f32x4.splat(0);
  // pmax(v, 0) is v < 0 ? 0 : v, and pmin(v, 6) is 6 < v ? 6 : v: the scalar rule, one
  // instruction each (NaN and -0 pass).
  if (kind == RELU) return f32x4.pmax(v, zero);
  if (kind == RELU6) return f32x4.pmax(f32x4.pmin(v, f32x4.splat(6)), zero);
  const negative = f32x4.lt(v, zero);
  if (kind == LEAKY_RELU) return v128.bitselect(f32x4.mul(v, alpha), v, negative);
  if (kind == PRELU) return v128.bitselect(f32x4.mul(v, w), v, negative);
  return v;
}

// @ts-ignore: decorator
@inline
function activateScalar(v: f32, kind: i32, alpha: f32, w: f32): f32 {
  if (v < 0) {
    if (kind == RELU || kind == RELU6) return 0;
    if (kind == LEAKY_RELU) return v * alpha;
    if (kind == PRELU) return v * w;
  } else if (kind == RELU6 && v > 6) {
    return 6;
  }
  return v;
}

// The epilogue as a kernel applies it to the output it makes, where its `finish` argument is 1
// (the GEMM and the taps kernel as they store each tile, the depthwise gather to each row once
// made): per-channel bias and PReLU weights (at byte addresses, indexed by the output channel),
// the activation's code and leakyrelu's alpha. finishWith sets them before such a call.
export let finishHasBias: bool = false;
export let finishBias: usize = 0;
export let finishKind: i32 = 0;
export let finishAlpha: f32 = 0;
export let finishPrelu: usize = 0;

export function finishWith(hasBias: i32, bias: usize, kind: i32, alpha: f32, prelu: usize): void {
  finishHasBias = hasBias != 0;
  finishBias = bias;
  finishKind = kind;
  finishAlpha = alpha;
  finishPrelu = prelu;
}

/** v, the output channels [o / 4, o / 4 + 4), finished: act(v + bias). */
// @ts-ignore: decorator
@inline
export function finished(v: v128, o: usize): v128 {
  if (finishHasBias) v = f32x4.add(v, v128.load(finishBias + o));
  const w = finishKind == PRELU ? v128.load(finishPrelu + o) : f32x4.splat(0);
  return activate(v, finishKind, f32x4.splat(finishAlpha), w);
}

/** v finished with the bias b and PReLU weights w of its channels, loaded by the caller once
 *  for the cells that share them, the globals read into locals (has, kind, alpha). */
// @ts-ignore: decorator
@inline
export function finishedWith(v: v128, has: bool, b: v128, kind: i32, alpha: v128, w: v128): v128 {
  return activate(has ? f32x4.add(v, b) : v, kind, alpha, w);
}

/** One value of output channel o / 4, finished. */
// @ts-ignore: decorator
@inline
export function finishedScalar(v: f32, o: usize): f32 {
  if (finishHasBias) v += load<f32>(finishBias + o);
  const w: f32 = finishKind == PRELU ? load<f32>(finishPrelu + o) : 0;
  return activateScalar(v, finishKind, finishAlpha, w);
}

/** y (cells × c floats) = act(y + bias) per channel: bias and prelu hold c floats each (bias
 *  unread where hasBias is 0, prelu unread but for kind PRELU). The common forms (a bias, then
 *  linear, relu or relu6: what tf.layers and the converter's graph models make) run on copies of
 *  a loop specialised to them, which tests neither the activation nor the bias per v128 and
 *  holds each block of 16 channels' bias in registers while it sweeps the cells. */
export function biasActivation(y: usize, cells: i32, c: i32, hasBias: i32, bias: usize,
                               kind: i32, alpha: f32, prelu: usize): void {
  if (hasBias != 0 && kind == RELU6) {
    biasActivationByBlock(y, cells, c, bias, RELU6);
  } else if (hasBias != 0 && kind == RELU) {
    biasActivationByBlock(y, cells, c, bias, RELU);
  } else if (hasBias != 0 && kind == LINEAR) {
    biasActivationByBlock(y, cells, c, bias, LINEAR);
  } else if (hasBias != 0 || kind != LINEAR) {
    biasActivationAs(y, cells, c, hasBias != 0, bias, kind, alpha, prelu);
  }
}

/** act(y + bias) for a bias and an activation with no operand of its own (linear, relu, relu6):
 *  channel blocks outermost, each block's bias loaded once for all the cells. */
// @ts-ignore: decorator
@inline
function biasActivationByBlock(y: usize, cells: i32, c: i32, bias: usize, kind: i32): void {
  const zero = f32x4.splat(0);
  const whole = <usize>(c & ~3) << 2;
  const cellBytes = <usize>c << 2;
  let o: usize = 0;
  for (; o + 64 <= whole; o += 64) {
    const b0 = v128.load(bias + o), b1 = v128.load(bias + o, 16);
    const b2 = v128.load(bias + o, 32), b3 = v128.load(bias + o, 48);
    let at = y + o;
    for (let cell = 0; cell < cells; cell++, at += cellBytes) {
      v128.store(at, activate(f32x4.add(v128.load(at), b0), kind, zero, zero));
      v128.store(at, activate(f32x4.add(v128.load(at, 16), b1), kind, zero, zero), 16);
      v128.store(at, activate(f32x4.add(v128.load(at, 32), b2), kind, zero, zero), 32);
      v128.store(at, activate(f32x4.add(v128.load(at, 48), b3), kind, zero, zero), 48);
    }
  }
  for (; o < whole; o += 16) {
    const b = v128.load(bias + o);
    let at = y + o;
    for (let cell = 0; cell < cells; cell++, at += cellBytes) {
      v128.store(at, activate(f32x4.add(v128.load(at), b), kind, zero, zero));
    }
  }
  for (; o < cellBytes; o += 4) {
    const b = load<f32>(bias + o);
    let at = y + o;
    for (let cell = 0; cell < cells; cell++, at += cellBytes) {
      store<f32>(at, activateScalar(load<f32>(at) + b, kind, 0, 0));
    }
  }
}

// @ts-ignore: decorator
@inline
function biasActivationAs(y: usize, cells: i32, c: i32, hasBias: bool, bias: usize, kind: i32,
                          alpha: f32, prelu: usize): void {
  const a = f32x4.splat(alpha);
  const whole = <usize>(c & ~3) << 2;
  const cellBytes = <usize>c << 2;
  let at = y;
  for (let cell = 0; cell < cells; cell++, at += cellBytes) {
    let o: usize = 0;
    for (; o < whole; o += 16) {
      let v = v128.load(at + o);
      if (hasBias) v = f32x4.add(v, v128.load(bias + o));
      const w = kind == PRELU ? v128.load(prelu + o) : a;
      v128.store(at + o, activate(v, kind, a, w));
    }
    for (; o < cellBytes; o += 4) {
      let v = load<f32>(at + o);
      if (hasBias) v += load<f32>(bias + o);
      store<f32>(at + o, activateScalar(v, kind, alpha, kind == PRELU ? load<f32>(prelu + o) : 0));
    }
  }
}
