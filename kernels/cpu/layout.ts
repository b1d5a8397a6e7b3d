// NCHW <-> NHWC copies. The cpu convolution kernels compute in NHWC, where one output position's
// channels are contiguous; an NCHW call is one transpose in and one out around the same kernel.

export function nchwToNhwc<T extends Float32Array | Int32Array>(
  src: T,
  batch: number,
  channels: number,
  height: number,
  width: number,
): T {
  const dst = new (src.constructor as {new (n: number): T})(src.length);
  const plane = height * width;
  for (let b = 0; b < batch; b++) {
    const base = b * channels * plane;
    for (let d = 0; d < channels; d++) {
      const s0 = base + d * plane;
      for (let i = 0; i < plane; i++) dst[base + i * channels + d] = src[s0 + i];
    }
  }
  return dst;
}

export function nhwcToNchw<T extends Float32Array | Int32Array>(
  src: T,
  batch: number,
  height: number,
  width: number,
  channels: number,
): T {
  const dst = new (src.constructor as {new (n: number): T})(src.length);
  const plane = height * width;
  for (let b = 0; b < batch; b++) {
    const base = b * channels * plane;
    for (let i = 0; i < plane; i++) {
      const s0 = base + i * channels;
      for (let d = 0; d < channels; d++) dst[base + d * plane + i] = src[s0 + d];
    }
  }
  return dst;
}
