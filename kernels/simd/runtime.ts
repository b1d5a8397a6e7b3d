// The host kernels' WebAssembly SIMD module at run time: compiled once from the bytes embedded in
// module.ts, used where the engine validates WebAssembly SIMD, and switchable off.
//
// The module imports its memory and keeps no data of its own, so it runs on two kinds of memory:
// - its own, for the cpu backend (and the wasm backend's calls that do not run in place): laid
//   out once into fixed regions and made SIMD_MEMORY_BYTES large on the first SIMD call; every
//   later call reuses it, so it never grows again and nothing is left in it between calls. A
//   kernel whose operands do not fit the regions (an image past IMAGE_FLOATS, a filter past
//   PACK_FLOATS) runs on the scalar kernels instead;
// - tfjs-wasm's heap, where that backend's tensors live (heapKernels): the kernels read their
//   inputs and write their outputs where tfjs-wasm keeps them, with their scratch malloc'ed there
//   for the call and freed after it (wasm_heap.ts).

import {KERNELS_WASM_BASE64} from './module';

/** Floats of one image region: an image of x, y, dx or dy, or an argmax (2 Mi floats, 8 MiB). */
export const IMAGE_FLOATS = 1 << 21;
/** Floats of the im2col chunk (256 Ki floats, 1 MiB: a chunk and its rows of C stay in L2). */
export const COL_FLOATS = 1 << 18;
/** Floats of the packed B operand, and of the filter-gradient accumulator (2 Mi floats each). */
export const PACK_FLOATS = 1 << 21;

const PAGE = 65536;

/** Byte addresses of the regions. */
export interface Regions {
  /** The input image of a call (x, or dy for the input gradient and the pool gradient). */
  in: number;
  /** The output image (y, dx), or the raw filter while it is packed. */
  out: number;
  /** A second input image (dy for the filter gradient; the argmax of a pool). */
  aux: number;
  col: number;
  pack: number;
  acc: number;
}

/** Bytes where the GEMM spills an edge tile (the start of page 0, which no region uses). */
const EDGE_AT = 0;

function layout(): {regions: Regions; bytes: number} {
  let at = PAGE; // page 0 holds the GEMM's edge tile
  const take = (floats: number) => {
    const start = at;
    at += Math.ceil((floats * 4) / PAGE) * PAGE;
    return start;
  };
  const regions = {
    in: take(IMAGE_FLOATS),
    out: take(IMAGE_FLOATS),
    aux: take(IMAGE_FLOATS),
    col: take(COL_FLOATS),
    pack: take(PACK_FLOATS),
    acc: take(PACK_FLOATS),
  };
  return {regions, bytes: at};
}

/** Bytes of the module's memory once grown: the bound on the SIMD kernels' scratch (44 MiB). */
export const SIMD_MEMORY_BYTES = layout().bytes;

/** The module's exports (kernels/simd/assembly/index.ts); addresses in bytes. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  setEdge(at: number): void;
  packB(src: number, rs: number, cs: number, k: number, n: number, dst: number): void;
  gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    rs: number,
    cs: number,
    pb: number,
    c: number,
    ldc: number,
    accumulate: number,
    finish: number,
  ): void;
  setWindows(
    inHeight: number,
    inWidth: number,
    inChannels: number,
    outWidth: number,
    filterHeight: number,
    filterWidth: number,
    strideHeight: number,
    strideWidth: number,
    dilationHeight: number,
    dilationWidth: number,
    top: number,
    left: number,
    channelsPerGroup: number,
  ): void;
  im2col(x: number, group: number, p0: number, rows: number, col: number): void;
  col2im(col: number, group: number, p0: number, rows: number, dx: number): void;
  setPool(
    inHeight: number,
    inWidth: number,
    channels: number,
    outHeight: number,
    outWidth: number,
    filterHeight: number,
    filterWidth: number,
    strideHeight: number,
    strideWidth: number,
    dilationHeight: number,
    dilationWidth: number,
    top: number,
    left: number,
  ): void;
  padImage(
    x: number,
    h: number,
    w: number,
    c: number,
    xp: number,
    ph: number,
    pw: number,
    top: number,
    left: number,
  ): void;
  filterGradRows(
    xp: number,
    pw: number,
    c: number,
    outH: number,
    outW: number,
    fh: number,
    fw: number,
    sH: number,
    sW: number,
    dH: number,
    dy: number,
    n: number,
    packDy: number,
    acc: number,
  ): void;
  allFinite(p: number, n: number): number;
  biasActivation(
    y: number,
    cells: number,
    c: number,
    hasBias: number,
    bias: number,
    kind: number,
    alpha: number,
    prelu: number,
  ): void;
  blockChannels(
    src: number,
    h: number,
    w: number,
    n: number,
    dst: number,
    hq: number,
    wq: number,
    top: number,
    left: number,
  ): void;
  inputGradFew(
    dyb: number,
    nb: number,
    wq: number,
    h: number,
    w: number,
    c: number,
    fh: number,
    fw: number,
    dH: number,
    dW: number,
    filt: number,
    dx: number,
  ): void;
  filterGradFew(
    xp: number,
    pw: number,
    c: number,
    outH: number,
    outW: number,
    fh: number,
    fw: number,
    sH: number,
    sW: number,
    dH: number,
    dW: number,
    dy: number,
    nb: number,
    dyRowBytes: number,
    cellBytes: number,
    blockBytes: number,
    acc: number,
  ): void;
  setTaps(
    offs: number,
    fh: number,
    fw: number,
    c: number,
    pw: number,
    dH: number,
    dW: number,
  ): void;
  convTaps(
    xp: number,
    pw: number,
    c: number,
    outH: number,
    outW: number,
    sH: number,
    sW: number,
    offs: number,
    k: number,
    pack: number,
    n: number,
    y: number,
    fh: number,
    run: number,
    runStep: number,
    finish: number,
  ): void;
  depthwiseAxis(
    table: number,
    count: number,
    srcSize: number,
    f: number,
    s: number,
    d: number,
    pad: number,
    transposed: number,
  ): void;
  depthwiseGather(
    src: number,
    srcW: number,
    c: number,
    filt: number,
    fw: number,
    dst: number,
    dstW: number,
    r0: number,
    r1: number,
    rows: number,
    cols: number,
    rowAStep: number,
    rowSrcStep: number,
    colAStep: number,
    colSrcStep: number,
    period: number,
    srcPer: number,
    finish: number,
  ): void;
  finishWith(hasBias: number, bias: number, kind: number, alpha: number, prelu: number): void;
  depthwiseFilterGrad(
    x: number,
    inW: number,
    c: number,
    dy: number,
    outW: number,
    r0: number,
    r1: number,
    rows: number,
    fw: number,
    sH: number,
    sW: number,
    dH: number,
    dW: number,
    pL: number,
    band: number,
    acc: number,
  ): void;
  depthwiseSpread(
    src: number,
    cells: number,
    srcC: number,
    m: number,
    dst: number,
    dstC: number,
  ): void;
  depthwiseReduce(
    src: number,
    cells: number,
    srcC: number,
    m: number,
    dst: number,
    dstC: number,
  ): void;
  maxPool(x: number, y: number, argmax: number): void;
  maxPoolValues(x: number, y: number): void;
  maxPoolGrad(dy: number, argmax: number, dx: number): void;
}

/** The module, ready: its exports, its regions and float32 / int32 views of its memory. */
export interface SimdKernels {
  exports: KernelExports;
  regions: Regions;
  f32: Float32Array;
  i32: Int32Array;
}

export type HostPath = 'simd' | 'scalar';

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let compiled: WebAssembly.Module | null | undefined;
let instance: SimdKernels | null = null;
let requested: HostPath = defaultPath();

/** 'scalar' when the environment variable TFJS_HANDMADE_HOST says so (in Node), else 'simd'. */
function defaultPath(): HostPath {
  const env = typeof process !== 'undefined' ? process.env?.TFJS_HANDMADE_HOST : undefined;
  return env === 'scalar' ? 'scalar' : 'simd';
}

/** The compiled module, or null where this engine has no WebAssembly SIMD (checked once, with
 *  WebAssembly.validate on the module's own bytes, which use SIMD throughout). */
function compiledModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    compiled = null;
    if (typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function') {
      const bytes = decodeBase64(KERNELS_WASM_BASE64);
      if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
    }
  }
  return compiled;
}

/** Whether this engine can run the SIMD kernels. */
export function simdSupported(): boolean {
  return compiledModule() != null;
}

/**
 * Chooses the host kernels (those of the cpu and wasm backends): 'simd', the WebAssembly SIMD
 * kernels (the default where the engine supports them), or 'scalar', the plain TypeScript ones.
 * Asking for 'simd' where the engine has no WebAssembly SIMD leaves the scalar kernels running.
 * In Node, TFJS_HANDMADE_HOST=scalar in the environment makes 'scalar' the default.
 */
export function setHostPath(path: HostPath): void {
  if (path !== 'simd' && path !== 'scalar') {
    throw new Error(`setHostPath: path must be 'simd' or 'scalar', got ${String(path)}`);
  }
  requested = path;
}

/** The host kernels that run now: 'simd' only when asked for and supported. */
export function hostPath(): HostPath {
  return requested === 'simd' && simdSupported() ? 'simd' : 'scalar';
}

let runs = 0;

/** Counts a kernel call that the SIMD module computed. */
export function countSimdRun(): void {
  runs++;
}

/** Kernel calls the SIMD module has computed so far, and the bytes of its memory (0 until the
 *  first call; SIMD_MEMORY_BYTES from then on). */
export function simdStats(): {runs: number; memoryBytes: number} {
  return {runs, memoryBytes: instance == null ? 0 : instance.exports.memory.buffer.byteLength};
}

function instantiate(memory: WebAssembly.Memory): KernelExports {
  const module = compiledModule();
  if (module == null) throw new Error('tfjs-handmade: this engine has no WebAssembly SIMD');
  return new WebAssembly.Instance(module, {env: {memory}}).exports as unknown as KernelExports;
}

/** The SIMD module on its own memory when it is the host path now, made on first use; else null. */
export function simdKernels(): SimdKernels | null {
  if (hostPath() !== 'simd') return null;
  if (instance == null) {
    const {regions, bytes} = layout();
    const memory = new WebAssembly.Memory({initial: bytes / PAGE, maximum: bytes / PAGE});
    const exports = instantiate(memory);
    exports.setEdge(EDGE_AT);
    const buffer = memory.buffer;
    instance = {exports, regions, f32: new Float32Array(buffer), i32: new Int32Array(buffer)};
  }
  return instance;
}

const onHeaps = new WeakMap<WebAssembly.Memory, KernelExports>();

/** The SIMD module on another module's memory (tfjs-wasm's heap) when SIMD is the host path
 *  now; else null. One instance per memory, made on first use; it owns no bytes of that memory
 *  (the caller passes every address, the GEMM's edge tile included). A shared memory (tfjs-wasm's
 *  threaded build) is not taken: the module imports an unshared one. */
export function heapKernels(memory: WebAssembly.Memory): KernelExports | null {
  if (hostPath() !== 'simd') return null;
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) {
    return null;
  }
  let exports = onHeaps.get(memory);
  if (exports == null) {
    exports = instantiate(memory);
    onHeaps.set(memory, exports);
  }
  return exports;
}
