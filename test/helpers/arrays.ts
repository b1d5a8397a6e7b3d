// Flattening and re-laying nested fixture arrays.

export function flat(nested: unknown): number[] {
  return Array.isArray(nested) ? nested.flatMap(flat) : [nested as number];
}

/** OIHW filter (the seeds' layout) to tfjs's HWIO. */
export function oihwToHwio(w: number[], [o, i, h, wd]: number[]): number[] {
  const out = new Array(w.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < wd; c++)
          out[((r * wd + c) * i + b) * o + a] = w[((a * i + b) * h + r) * wd + c];
      }
    }
  }
  return out;
}

export function hwioToOihw(w: ArrayLike<number>, [h, wd, i, o]: number[]): number[] {
  const out = new Array(w.length);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < wd; c++) {
      for (let b = 0; b < i; b++) {
        for (let a = 0; a < o; a++)
          out[((a * i + b) * h + r) * wd + c] = w[((r * wd + c) * i + b) * o + a];
      }
    }
  }
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
