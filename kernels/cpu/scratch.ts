// Temporary buffers of the cpu kernels, kept between calls (so a training loop does not allocate
// and zero megabytes per step) and bounded: im2col works in chunks sized to COL_BUFFER_FLOATS, so
// all scratch together stays under SCRATCH_LIMIT_BYTES whatever the tensors' sizes. Kernels run
// one at a time (JavaScript is single-threaded and no kernel calls another while it holds a
// buffer), so one buffer per purpose suffices.

/** Floats in one im2col chunk: 2 Mi floats, 8 MiB. */
export const COL_BUFFER_FLOATS = 1 << 21;
/** The same buffer seen as float64 (scratchFloat64Over): 1 Mi values. */
export const COL_BUFFER_DOUBLES = COL_BUFFER_FLOATS / 2;
/** All scratch buffers together: the im2col chunk, the GEMM's packs, and small change. */
export const SCRATCH_LIMIT_BYTES = 12 * 1024 * 1024;

const f32 = new Map<string, Float32Array>();
const f64 = new Map<string, Float64Array>();
let peakBytes = 0;

function currentBytes(): number {
  let total = 0;
  for (const a of f32.values()) total += a.byteLength;
  for (const a of f64.values()) total += a.byteLength;
  return total;
}

function note(): void {
  const bytes = currentBytes();
  if (bytes > peakBytes) peakBytes = bytes;
  if (bytes > SCRATCH_LIMIT_BYTES) {
    throw new Error(
      `tfjs-handmade: scratch memory ${bytes} bytes exceeds its bound ` + `${SCRATCH_LIMIT_BYTES}`,
    );
  }
}

/** A float32 buffer of at least `length` elements, with unspecified contents. */
export function scratchFloat32(name: string, length: number): Float32Array {
  let buf = f32.get(name);
  if (buf == null || buf.length < length) {
    buf = new Float32Array(length);
    f32.set(name, buf);
    note();
  }
  return buf;
}

/** A float64 buffer of at least `length` elements, with unspecified contents. */
export function scratchFloat64(name: string, length: number): Float64Array {
  let buf = f64.get(name);
  if (buf == null || buf.length < length) {
    buf = new Float64Array(length);
    f64.set(name, buf);
    note();
  }
  return buf;
}

/** A float64 view of at least `length` elements over the float32 buffer `name`, for a purpose
 *  that never needs both views at once (the padded image of one kernel and the im2col chunk of
 *  another share one bound). Contents unspecified. */
export function scratchFloat64Over(name: string, length: number): Float64Array {
  return new Float64Array(scratchFloat32(name, 2 * length).buffer, 0, length);
}

/** Bytes held now, and the most held at once since the last reset. */
export function scratchStats(): {bytes: number; peakBytes: number} {
  return {bytes: currentBytes(), peakBytes};
}

/** Frees every scratch buffer (they are re-created on demand) and resets the peak. */
export function releaseScratch(): void {
  f32.clear();
  f64.clear();
  peakBytes = 0;
}
