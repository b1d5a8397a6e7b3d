// The SIMD kernels in place on tfjs-wasm's heap. The wasm backend keeps every tensor in its
// module's memory; the SIMD module imports a memory (runtime.ts), so a second instance of it runs
// on that one, reading x, the filter, dy and argmax where tfjs-wasm keeps them and writing y, dx
// and argmax into outputs tfjs-wasm has allocated. A call then copies nothing: no readSync, no
// copy into the kernels' own memory and back, no copy of the result into the heap.
//
// What it uses of tfjs-wasm (4.x): the module's exported memory (backend.wasm.asm.memory), its
// malloc and free, makeOutput(shape, dtype) and each tensor's memoryOffset in dataIdMap; these are
// what tfjs-wasm's own kernels use. Where any is missing, or the memory is shared (the threaded
// build), wasmHeap gives null and the kernels take their copying path.
//
// The scratch of a call (the packed filter, an im2col chunk or a padded image, the GEMM's edge
// tile) is malloc'ed from tfjs-wasm's heap for the call and freed at its end; it is as large as
// the call's operands need (conv.ts, ON_HEAP), with the im2col chunk of COL_FLOATS, so that a
// filter or an image past the module's own regions still runs here (a 3x3 filter of 512 by 512
// channels is 2.4 Mi floats). Addresses are bytes; a malloc may grow the heap and
// detach its views, so views are made only after every allocation of a call.

import type {DataType, TensorInfo} from '@tensorflow/tfjs-core';

import {allFinite, allOutputsLive} from '../cpu/guards';
import {ConvGeometry, readsPadding, sizeOf} from '../geometry';
import {
  Epilogue,
  filterGradImage,
  filterGradPlan,
  filterGradResult,
  filterGradScratch,
  forwardColFloats,
  forwardImage,
  ForwardPlan,
  forwardPlan,
  imageSizes,
  inputGradImage,
  inputGradPlan,
  inputGradScratch,
  ON_HEAP,
  packForwardFilter,
  packInputGradFilter,
  setWindows,
  writeTapTable,
} from './conv';
import {
  depthwiseFilterGradImage,
  depthwiseForwardImage,
  depthwiseInputGradImage,
  DepthwisePlan,
  depthwisePlan,
  isDepthwise,
  tableBytes,
  writeTables,
} from './depthwise';
import {setPool} from './max_pool';
import {countSimdRun, heapKernels, KernelExports} from './runtime';

interface TfjsWasmBackend {
  wasm: {asm?: {memory?: unknown}; _malloc(bytes: number): number; _free(at: number): void};
  dataIdMap: {
    get(dataId: object): {memoryOffset?: number} | undefined;
    has(dataId: object): boolean;
  };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
}

/** A filter packed for the forward on tfjs-wasm's heap: where, for which shape and groups, and
 *  whether its values are all finite (the guards' question). */
interface PackedFilter {
  /** the allocation, and the packing's 16-byte aligned start in it */
  raw: number;
  at: number;
  layout: string;
  finite: boolean;
}

/** The forward's packed filters on each tfjs-wasm backend's heap, by the filter's dataId. A
 *  tensor's values never change under one dataId (a variable's assign takes a new one), so a
 *  model's filters are packed once and not at every call, as XNNPACK packs its weights once: at
 *  batch 1 the packing was most of a large filter's call (x[1,7,7,512] * [3,3,512,512]: 15.7 ms,
 *  of which 9.2 ms did not grow with the batch). An entry whose tensor tfjs-wasm no longer holds
 *  is freed at the next packing, so training, whose filters change every step, keeps only the
 *  live ones. */
const PACKED = new WeakMap<object, Map<object, PackedFilter>>();

/** tfjs-wasm's heap, for the kernels that run in place on it. */
export class WasmHeap {
  constructor(
    readonly exports: KernelExports,
    private readonly memory: WebAssembly.Memory,
    private readonly backend: TfjsWasmBackend,
  ) {}

  /** The byte address of a tensor's values. */
  at(t: TensorInfo): number {
    const at = this.backend.dataIdMap.get(t.dataId)?.memoryOffset;
    if (at == null) throw new Error("tfjs-handmade: a tensor has no place on tfjs-wasm's heap");
    return at;
  }

  /** A new output tensor of tfjs-wasm's, and its address. */
  output(shape: number[], dtype: DataType): {info: TensorInfo; at: number} {
    const info = this.backend.makeOutput(shape, dtype);
    return {info, at: this.at(info)};
  }

  /** bytes of scratch (16-byte aligned), for this call only. */
  malloc(bytes: number): number {
    const at = this.backend.wasm._malloc(bytes + 16);
    if (at === 0) throw new Error(`tfjs-handmade: tfjs-wasm could not allocate ${bytes} bytes`);
    return at;
  }

  free(at: number): void {
    this.backend.wasm._free(at);
  }

  /** A float32 view of n values at `at`, valid until the next allocation. */
  f32(at: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, n);
  }

  /** The forward's packing of `filter` (floats long, for `layout`): from the cache, or made now
   *  by `pack` into a new allocation and kept. */
  packedFilter(
    filter: TensorInfo,
    layout: string,
    floats: number,
    pack: (at: number) => void,
    finite: () => boolean,
  ): PackedFilter {
    let cache = PACKED.get(this.backend);
    if (cache == null) PACKED.set(this.backend, (cache = new Map()));
    const hit = cache.get(filter.dataId);
    if (hit != null && hit.layout === layout) return hit;
    for (const [dataId, entry] of cache) {
      if (entry === hit || !this.backend.dataIdMap.has(dataId)) {
        this.free(entry.raw);
        cache.delete(dataId);
      }
    }
    const raw = this.malloc(4 * floats);
    const entry = {raw, at: align16(raw), layout, finite: false};
    try {
      entry.finite = finite();
      pack(entry.at);
    } catch (e) {
      this.free(raw);
      throw e;
    }
    cache.set(filter.dataId, entry);
    return entry;
  }

  /** A float32 view of the whole heap, valid until the next allocation. */
  view(): Float32Array {
    return new Float32Array(this.memory.buffer);
  }
}

/** How many packed filters the forward keeps on `backend`'s heap (a tfjs-wasm backend). */
export function packedFilterCount(backend: object): number {
  return PACKED.get(backend)?.size ?? 0;
}

/** The heap of `backend` when it is tfjs-wasm's (unthreaded) and SIMD is the host path, else
 *  null. */
export function wasmHeap(backend: unknown): WasmHeap | null {
  const b = backend as Partial<TfjsWasmBackend>;
  const memory = b.wasm?.asm?.memory;
  if (
    !(memory instanceof WebAssembly.Memory) ||
    typeof b.wasm?._malloc !== 'function' ||
    typeof b.wasm._free !== 'function' ||
    typeof b.makeOutput !== 'function' ||
    typeof b.dataIdMap?.get !== 'function'
  ) {
    return null;
  }
  const exports = heapKernels(memory);
  return exports == null ? null : new WasmHeap(exports, memory, b as TfjsWasmBackend);
}

const align16 = (at: number) => (at + 15) & ~15;
const EDGE_BYTES = 128;

/** y = conv2d(x, W) in place on the heap, NHWC; null (nothing done) where the guards of
 *  kernels/cpu/guards.ts would step in, or the call does not fit the kernels' bounds. Where
 *  given, `epilogue` (the fused convolution's bias and activation) is applied as the products
 *  store y. */
export function conv2dOnHeap(
  heap: WasmHeap,
  x: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
  epilogue?: Epilogue,
): TensorInfo | null {
  if (g.dataFormat !== 'NHWC') return null;
  const f = forwardOnHeap(g);
  if (!f.live) return null;
  if (isDepthwise(g)) return depthwiseGatherOnHeap(heap, x, filter, g, false, epilogue);
  const plan = f.plan;
  if (plan == null) return null;
  const {exports: wasm} = heap;
  const packed = heap.packedFilter(
    filter,
    f.layout,
    g.groups * plan.groupPack,
    (at) => packForwardFilter(wasm, g, plan, heap.at(filter), at),
    () => allFinite(heap.f32(heap.at(filter), sizeOf(g.filterShape))),
  );
  if (f.readsPadding && !packed.finite) return null;
  const y = heap.output(g.outShape, 'float32');
  const scratch = heap.malloc(EDGE_BYTES + 4 * (f.tableFloats + f.colFloats));
  try {
    const edge = align16(scratch);
    const table = edge + EDGE_BYTES;
    const col = table + 4 * f.tableFloats;
    wasm.setEdge(edge);
    writeTapTable(wasm, g, plan, table);
    if (!plan.identity) setWindows(wasm, g);
    const xAt = heap.at(x);
    for (let b = 0; b < g.batchSize; b++) {
      const yAt = y.at + 4 * b * f.outImage;
      forwardImage(wasm, g, plan, xAt + 4 * b * f.inImage, packed.at, table, col, yAt, epilogue);
    }
  } finally {
    heap.free(scratch);
  }
  countSimdRun();
  return y.info;
}

/** What the forward on the heap derives from a geometry alone. */
interface ForwardOnHeap {
  /** every output has a window on x (allOutputsLive) */
  live: boolean;
  readsPadding: boolean;
  /** the plan of a convolution that is not depthwise, or null where its operands do not fit */
  plan: ForwardPlan | null;
  /** the packed filter's layout (WasmHeap.packedFilter) */
  layout: string;
  tableFloats: number;
  colFloats: number;
  inImage: number;
  outImage: number;
}

/** The forwards' derivations, by the geometry's identity: checkKernelCallKept (kernels/checks.ts)
 *  gives a model's layer the same geometry at every call, so a call past the first looks these
 *  up, where planning them again was a tenth of a small layer's call. */
const FORWARDS_ON_HEAP = new WeakMap<ConvGeometry, ForwardOnHeap>();

function forwardOnHeap(g: ConvGeometry): ForwardOnHeap {
  let f = FORWARDS_ON_HEAP.get(g);
  if (f != null) return f;
  const plan = isDepthwise(g) ? null : forwardPlan(g, ON_HEAP);
  const [inImage, outImage] = imageSizes(g);
  f = {
    live: allOutputsLive(g),
    readsPadding: readsPadding(g),
    plan,
    layout: `${g.filterShape.join(',')}/${g.groups}`,
    tableFloats: plan?.taps != null ? plan.k : 0,
    colFloats: plan != null ? forwardColFloats(g, plan) : 0,
    inImage,
    outImage,
  };
  FORWARDS_ON_HEAP.set(g, f);
  return f;
}

/** y and argmax of a max pool in place on the heap, NHWC; null where a guard would step in. */
export function maxPoolOnHeap(
  heap: WasmHeap,
  x: TensorInfo,
  g: ConvGeometry,
): [TensorInfo, TensorInfo] | null {
  if (g.dataFormat !== 'NHWC' || !allOutputsLive(g)) return null;
  const {exports: wasm} = heap;
  const y = heap.output(g.outShape, 'float32');
  const argmax = heap.output(g.outShape, 'int32');
  setPool(wasm, g);
  const [inImage, outImage] = imageSizes(g);
  const xAt = heap.at(x);
  for (let b = 0; b < g.batchSize; b++) {
    wasm.maxPool(xAt + 4 * b * inImage, y.at + 4 * b * outImage, argmax.at + 4 * b * outImage);
  }
  countSimdRun();
  return [y.info, argmax.info];
}

/** y of a max pool without its argmax in place on the heap, NHWC; null where a guard would
 *  step in. */
export function maxPoolValuesOnHeap(
  heap: WasmHeap,
  x: TensorInfo,
  g: ConvGeometry,
): TensorInfo | null {
  if (g.dataFormat !== 'NHWC' || !allOutputsLive(g)) return null;
  const {exports: wasm} = heap;
  const y = heap.output(g.outShape, 'float32');
  setPool(wasm, g);
  const [inImage, outImage] = imageSizes(g);
  const xAt = heap.at(x);
  for (let b = 0; b < g.batchSize; b++) {
    wasm.maxPoolValues(xAt + 4 * b * inImage, y.at + 4 * b * outImage);
  }
  countSimdRun();
  return y.info;
}

/** dx of a max pool in place on the heap, NHWC; null where a guard would step in. */
export function maxPoolGradOnHeap(
  heap: WasmHeap,
  dy: TensorInfo,
  argmax: TensorInfo,
  g: ConvGeometry,
): TensorInfo | null {
  if (g.dataFormat !== 'NHWC' || !allOutputsLive(g)) return null;
  const {exports: wasm} = heap;
  const dx = heap.output(g.inShape, 'float32');
  setPool(wasm, g);
  const [inImage, outImage] = imageSizes(g);
  const dyAt = heap.at(dy);
  const argmaxAt = heap.at(argmax);
  for (let b = 0; b < g.batchSize; b++) {
    wasm.maxPoolGrad(dyAt + 4 * b * outImage, argmaxAt + 4 * b * outImage, dx.at + 4 * b * inImage);
  }
  countSimdRun();
  return dx.info;
}

/** dx of conv2d in place on the heap, NHWC; null where a guard of kernels/cpu/guards.ts would
 *  step in (some outputs without a window on x, a non-finite filter) or the call does not fit
 *  the kernels' bounds. */
export function conv2dBackpropInputOnHeap(
  heap: WasmHeap,
  dy: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
): TensorInfo | null {
  if (g.dataFormat !== 'NHWC' || !allOutputsLive(g)) return null;
  if (isDepthwise(g)) return depthwiseGatherOnHeap(heap, dy, filter, g, true);
  const plan = inputGradPlan(g, ON_HEAP);
  if (plan == null) return null;
  if (!allFinite(heap.f32(heap.at(filter), sizeOf(g.filterShape)))) return null;
  const {exports: wasm} = heap;
  const dx = heap.output(g.inShape, 'float32');
  const floats = inputGradScratch(g, plan);
  const scratch = heap.malloc(EDGE_BYTES + 4 * (floats.pack + floats.col));
  try {
    const edge = align16(scratch);
    const pack = edge + EDGE_BYTES;
    const col = pack + 4 * floats.pack;
    wasm.setEdge(edge);
    packInputGradFilter(wasm, g, plan, heap.at(filter), pack);
    if (plan.kind === 'gemm' && !plan.identity) setWindows(wasm, g);
    const [inImage, outImage] = imageSizes(g);
    const dyAt = heap.at(dy);
    const f32 = heap.view();
    for (let b = 0; b < g.batchSize; b++) {
      inputGradImage(
        wasm,
        g,
        plan,
        dyAt + 4 * b * outImage,
        pack,
        col,
        dx.at + 4 * b * inImage,
        f32,
      );
    }
  } finally {
    heap.free(scratch);
  }
  countSimdRun();
  return dx.info;
}

/** dW of conv2d in place on the heap, x and dy NHWC; null where a guard would step in (some
 *  outputs without a window on x, a non-finite dy where the windows read the padding: checked
 *  image by image in the module, before dW is made) or the call does not fit the bounds. */
export function conv2dBackpropFilterOnHeap(
  heap: WasmHeap,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
): TensorInfo | null {
  if (g.dataFormat !== 'NHWC' || !allOutputsLive(g)) return null;
  if (isDepthwise(g)) return depthwiseFilterGradOnHeap(heap, x, dy, g);
  const plan = filterGradPlan(g, ON_HEAP);
  if (plan == null) return null;
  const {exports: wasm} = heap;
  const floats = filterGradScratch(g, plan);
  const scratch = heap.malloc(EDGE_BYTES + 4 * (floats.col + floats.pack + floats.acc));
  let done = true;
  try {
    const edge = align16(scratch);
    const col = edge + EDGE_BYTES;
    const pack = col + 4 * floats.col;
    const acc = pack + 4 * floats.pack;
    wasm.setEdge(edge);
    heap.view().fill(0, acc >> 2, (acc >> 2) + floats.acc);
    if (plan.kind === 'gemm' && !plan.identity) setWindows(wasm, g);
    const [inImage, outImage] = imageSizes(g);
    const [xAt, dyAt] = [heap.at(x), heap.at(dy)];
    const finiteDy = readsPadding(g);
    for (let b = 0; b < g.batchSize && done; b++) {
      done = filterGradImage(
        wasm,
        g,
        plan,
        xAt + 4 * b * inImage,
        dyAt + 4 * b * outImage,
        col,
        pack,
        acc,
        finiteDy,
      );
    }
    if (!done) return null;
    const dW = heap.output(g.filterShape, 'float32');
    // The output's allocation may have grown the heap: views are made after it.
    filterGradResult(g, plan, heap.view(), acc, heap.f32(dW.at, sizeOf(g.filterShape)));
    countSimdRun();
    return dW.info;
  } finally {
    heap.free(scratch);
  }
}

// Depthwise convolutions (depthwise.ts) in place on the heap. Their kernels read no padding, so
// no operand's finiteness is asked for (the guards' second question); the operands that the
// plan spreads into whole channel blocks are laid out in the call's scratch.

/** Byte addresses of consecutive pieces of scratch of the given sizes (bytes), each 16-byte
 *  aligned, from an allocation made by heap.malloc(scratchBytes(sizes)). */
function carve(at: number, sizes: number[]): number[] {
  let next = align16(at);
  return sizes.map((bytes) => {
    const start = next;
    next = align16(next + bytes);
    return start;
  });
}

function scratchBytes(sizes: number[]): number {
  return sizes.reduce((sum, bytes) => sum + align16(bytes), 0);
}

/** Floats of one image of c4 channels: of x (or dx) and of y (or dy). */
function spreadImages(g: ConvGeometry, p: DepthwisePlan): [number, number] {
  return [g.inHeight * g.inWidth * p.c4, g.outHeight * g.outWidth * p.c4];
}

/** The filter in c4 channels: where it lies, or spread at `at`. */
function depthwiseFilterAt(
  heap: WasmHeap,
  filter: TensorInfo,
  g: ConvGeometry,
  p: DepthwisePlan,
  at: number,
): number {
  if (!p.spread) return heap.at(filter);
  const taps = g.filterHeight * g.filterWidth;
  heap.exports.depthwiseSpread(heap.at(filter), taps, g.outChannels, 1, at, p.c4);
  return at;
}

/** y (forward, from x) or dx (transposed, from dy) of a depthwise convolution in place on the
 *  heap, NHWC: the two are one gather (depthwise.ts); the forward applies `epilogue` as it
 *  stores y. */
function depthwiseGatherOnHeap(
  heap: WasmHeap,
  src: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
  transposed: boolean,
  epilogue?: Epilogue,
): TensorInfo | null {
  const gather = depthwiseGather(g, transposed);
  if (gather == null) return null;
  const {p, sizes, srcImage, dstImage, cells, channels, repeat} = gather;
  const {exports: wasm} = heap;
  const dst = heap.output(transposed ? g.inShape : g.outShape, 'float32');
  const scratch = heap.malloc(gather.scratchBytes);
  try {
    const [tables, srcSpread, dstSpread, f4] = carve(scratch, sizes);
    const filt = depthwiseFilterAt(heap, filter, g, p, f4);
    const t = writeTables(wasm, g, transposed, tables);
    const srcAt = heap.at(src);
    for (let b = 0; b < g.batchSize; b++) {
      let sb = srcAt + 4 * b * srcImage;
      if (p.spread) {
        wasm.depthwiseSpread(sb, cells, channels, repeat, srcSpread, p.c4);
        sb = srcSpread;
      }
      const db = dst.at + 4 * b * dstImage;
      if (transposed) {
        depthwiseInputGradImage(wasm, g, p, sb, filt, t, db, dstSpread);
      } else {
        depthwiseForwardImage(wasm, g, p, sb, filt, t, db, dstSpread, epilogue);
      }
    }
  } finally {
    heap.free(scratch);
  }
  countSimdRun();
  return dst.info;
}

/** What depthwiseGatherOnHeap derives from a geometry alone, one way (forward or transposed). */
interface DepthwiseGather {
  p: DepthwisePlan;
  /** the scratch's pieces, in bytes (carve), and their sum */
  sizes: number[];
  scratchBytes: number;
  /** floats of an image of the source (x, or dy) and of the destination (y, or dx) */
  srcImage: number;
  dstImage: number;
  /** a source image spread into c4 channels: x's channel d1 repeated M times, dy's as they
   *  are (depthwiseSpread's cells, channels and repeat) */
  cells: number;
  channels: number;
  repeat: number;
}

/** The gathers' derivations, by the geometry's identity (as FORWARDS_ON_HEAP): the forward's and
 *  the transposed one's; null where the plan does not fit. */
const GATHERS = new WeakMap<ConvGeometry, (DepthwiseGather | null)[]>();

function depthwiseGather(g: ConvGeometry, transposed: boolean): DepthwiseGather | null {
  let kept = GATHERS.get(g);
  if (kept == null) GATHERS.set(g, (kept = []));
  const way = transposed ? 1 : 0;
  if (kept[way] !== undefined) return kept[way];
  const p = depthwisePlan(g, ON_HEAP);
  let gather: DepthwiseGather | null = null;
  if (p != null) {
    const [in4, out4] = spreadImages(g, p);
    const [inImage, outImage] = imageSizes(g);
    const [src4, dst4] = transposed ? [out4, in4] : [in4, out4];
    const taps = g.filterHeight * g.filterWidth;
    const sizes = [
      tableBytes(g, transposed),
      ...(p.spread ? [4 * src4, 4 * dst4, 4 * taps * p.c4] : []),
    ];
    gather = {
      p,
      sizes,
      scratchBytes: scratchBytes(sizes),
      srcImage: transposed ? outImage : inImage,
      dstImage: transposed ? inImage : outImage,
      cells: transposed ? g.outHeight * g.outWidth : g.inHeight * g.inWidth,
      channels: transposed ? g.outChannels : g.inChannels,
      repeat: transposed ? 1 : g.outChannelsPerGroup,
    };
  }
  kept[way] = gather;
  return gather;
}

/** dW of a depthwise convolution in place on the heap, x and dy NHWC. */
function depthwiseFilterGradOnHeap(
  heap: WasmHeap,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
): TensorInfo | null {
  const p = depthwisePlan(g, ON_HEAP);
  if (p == null) return null;
  const {exports: wasm} = heap;
  const [in4, out4] = spreadImages(g, p);
  const taps = g.filterHeight * g.filterWidth;
  const sizes = [
    EDGE_BYTES,
    tableBytes(g, false),
    4 * taps * p.c4,
    ...(p.spread ? [4 * in4, 4 * out4] : []),
  ];
  const scratch = heap.malloc(scratchBytes(sizes));
  try {
    const [edge, tables, acc, x4, dy4] = carve(scratch, sizes);
    wasm.setEdge(edge);
    heap.view().fill(0, acc >> 2, (acc >> 2) + taps * p.c4);
    const t = writeTables(wasm, g, false, tables);
    const [inImage, outImage] = imageSizes(g);
    const [xAt, dyAt] = [heap.at(x), heap.at(dy)];
    for (let b = 0; b < g.batchSize; b++) {
      let [xb, dyb] = [xAt + 4 * b * inImage, dyAt + 4 * b * outImage];
      if (p.spread) {
        const cells = g.inHeight * g.inWidth;
        wasm.depthwiseSpread(xb, cells, g.inChannels, g.outChannelsPerGroup, x4, p.c4);
        wasm.depthwiseSpread(dyb, g.outHeight * g.outWidth, g.outChannels, 1, dy4, p.c4);
        [xb, dyb] = [x4, dy4];
      }
      depthwiseFilterGradImage(wasm, g, p, xb, dyb, t, acc);
    }
    const dW = heap.output(g.filterShape, 'float32');
    wasm.depthwiseReduce(acc, taps, p.c4, 1, dW.at, g.outChannels);
    countSimdRun();
    return dW.info;
  } finally {
    heap.free(scratch);
  }
}
