// A call's signature: its inputs' names, shapes and dtypes and its attributes' names and values,
// copied, so that a later call can be compared with it without reading a tensor. What is kept
// for a call by the dataId of its filter (checks.ts checkKernelCallKept, and the override's
// layers on tfjs-wasm, src/heap_layers.ts) is used again only for a call of the same signature.

/** An input as a signature sees it. */
export interface SignedInput {
  shape: readonly number[];
  dtype: string;
}

export interface Signature {
  inputs: [string, number[], string][];
  attrs: [string, unknown][];
}

/** A copy of an attribute's value that a later call's can be compared with (numbers, strings,
 *  booleans, undefined and null, and arrays of them, nested), or undefined where the value is
 *  anything else. */
function attrCopy(v: unknown): {value: unknown} | undefined {
  if (v == null || typeof v !== 'object') return {value: v};
  if (!Array.isArray(v)) return undefined;
  const items: unknown[] = [];
  for (const item of v) {
    const c = attrCopy(item);
    if (c == null) return undefined;
    items.push(c.value);
  }
  return {value: items};
}

function sameAttr(kept: unknown, v: unknown): boolean {
  if (kept === v) return true;
  if (!Array.isArray(kept) || !Array.isArray(v) || kept.length !== v.length) return false;
  for (let i = 0; i < v.length; i++) if (!sameAttr(kept[i], v[i])) return false;
  return true;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The signature of a call (absent inputs are left out), or null where an attribute holds
 *  something that cannot be compared (an object that is not an array). */
export function signatureOf(
  inputs: Record<string, SignedInput | undefined>,
  attrs: object,
): Signature | null {
  const a = attrs as Record<string, unknown>;
  const keptAttrs: [string, unknown][] = [];
  for (const name in a) {
    const c = attrCopy(a[name]);
    if (c == null) return null;
    keptAttrs.push([name, c.value]);
  }
  const keptInputs: [string, number[], string][] = [];
  for (const name in inputs) {
    const t = inputs[name];
    if (t != null) keptInputs.push([name, [...t.shape], t.dtype]);
  }
  return {inputs: keptInputs, attrs: keptAttrs};
}

/** Whether a call has signature s: the same inputs in the same order, the same attributes. */
export function sameSignature(
  s: Signature,
  inputs: Record<string, SignedInput | undefined>,
  attrs: object,
): boolean {
  let n = 0;
  for (const name in inputs) {
    const t = inputs[name];
    if (t == null) continue;
    const k = s.inputs[n++];
    if (k == null || k[0] !== name || k[2] !== t.dtype || !sameShape(k[1], t.shape)) return false;
  }
  if (n !== s.inputs.length) return false;
  const a = attrs as Record<string, unknown>;
  n = 0;
  for (const name in a) {
    const k = s.attrs[n++];
    if (k == null || k[0] !== name || !sameAttr(k[1], a[name])) return false;
  }
  return n === s.attrs.length;
}
