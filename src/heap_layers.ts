// The override's forward convolutions on tfjs-wasm, kept layer by layer. A model calls tfjs's
// Conv2D, FusedConv2D, DepthwiseConv2dNative or FusedDepthwiseConv2D for a layer with the same
// filter, shapes and attributes at every run. The layer's first call goes the whole way: the
// adapter's translation of tfjs's attributes (builtin_adapters.ts), tfjsOnly, the handmade
// kernel's entry, its checks and its plan. Where that call ran in place on tfjs-wasm's heap,
// what it decided is kept by the filter's dataId: the geometry and the epilogue's form. The
// calls after it with the same signature (kernels/signature.ts: the same inputs' shapes and
// dtypes, the same attribute values) go from the adapter to the kernel on the heap
// (kernels/simd/wasm_heap.ts conv2dOnHeap) with one lookup.
//
// Why: in a model, each layer's call finds the caches cold from the layers before it, and every
// object, map and function that a call reads is a cache miss there. Measured on the MobileNetV2
// 0.35 graph model at 96x96, its layers interleaved with those of another model (the bench's
// rounds), the way through the adapter, the entry and the checks took its FusedConv2D calls 8%
// longer than this path, and the whole model 5% longer.
//
// A kept layer whose kernel declines the call on the heap (a plan past the bounds, or a filter
// with a value that is not finite where the windows read the padding: both hold for every call
// of the signature) is marked so, and its calls go the whole way. A kept layer holds its
// backend: another backend object (tfjs-wasm made again) gets layers of its own.

import type {NamedAttrMap, NamedTensorInfoMap, TensorInfo} from '@tensorflow/tfjs-core';

import {ConvGeometry} from '../kernels/geometry';
import {sameSignature, Signature, signatureOf} from '../kernels/signature';
import {Epilogue} from '../kernels/simd/conv';
import {hostPath} from '../kernels/simd/runtime';
import {conv2dOnHeap, WasmHeap} from '../kernels/simd/wasm_heap';

/** What a layer's calls after its first run from. */
export interface HeapLayer {
  heap: WasmHeap;
  backend: object;
  g: ConvGeometry;
  /** the filter's shape as the kernel reads it: the depthwise filter as the grouped one */
  filterShape: number[];
  /** the fused epilogue's form: the activation's code in the module, its alpha, and whether the
   *  bias and the PReLU weights are given (one value per channel each); null: none */
  epilogue: {kind: number; alpha: number; bias: boolean; prelu: boolean} | null;
}

let runs = 0;

/** How many calls ran from a kept layer (for tests). */
export function heapLayerRuns(): number {
  return runs;
}

interface Kept {
  signature: Signature;
  layer: HeapLayer;
  declined: boolean;
}

/** The kept layers of one of tfjs's kernel names. */
export class HeapLayers {
  private readonly kept = new WeakMap<object, Kept>();

  /** The call's output from its kept layer, or null where none is kept for its signature, the
   *  layer was declined, or the host path is no longer SIMD. */
  run(
    inputs: NamedTensorInfoMap,
    backend: object,
    attrs: NamedAttrMap | undefined,
  ): TensorInfo | null {
    const filter = inputs.filter;
    const x = inputs.x;
    if (filter == null || x == null) return null;
    const k = this.kept.get(filter.dataId);
    if (
      k == null ||
      k.declined ||
      k.layer.backend !== backend ||
      !sameSignature(k.signature, inputs, attrs ?? {}) ||
      hostPath() !== 'simd'
    ) {
      return null;
    }
    const {heap, g, filterShape, epilogue: e} = k.layer;
    const at = (t: TensorInfo | undefined) => (t == null ? 0 : heap.at(t));
    const epilogue: Epilogue | undefined =
      e == null
        ? undefined
        : {
            channels: g.outChannels,
            hasBias: e.bias ? 1 : 0,
            bias: e.bias ? at(inputs.bias) : 0,
            kind: e.kind,
            alpha: e.alpha,
            prelu: e.prelu ? at(inputs.preluActivationWeights) : 0,
          };
    const f = {dataId: filter.dataId, shape: filterShape, dtype: filter.dtype};
    const y = conv2dOnHeap(heap, x, f, g, epilogue);
    if (y == null) k.declined = true;
    else runs++;
    return y;
  }

  /** After a call that went the whole way: keeps `layer` (made by `make`, null where the call
   *  does not run on the heap) for the calls of its signature, unless one is kept for it. */
  keep(
    inputs: NamedTensorInfoMap,
    backend: object,
    attrs: NamedAttrMap | undefined,
    make: () => HeapLayer | null,
  ): void {
    const filter = inputs.filter;
    if (filter == null) return;
    const k = this.kept.get(filter.dataId);
    if (
      k != null &&
      k.layer.backend === backend &&
      sameSignature(k.signature, inputs, attrs ?? {})
    ) {
      return;
    }
    const signature = signatureOf(inputs, attrs ?? {});
    if (signature == null) return;
    const layer = make();
    if (layer != null) this.kept.set(filter.dataId, {signature, layer, declined: false});
  }
}
