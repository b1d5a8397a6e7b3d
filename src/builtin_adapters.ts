// Adapters that let the handmade kernels answer to tfjs's own kernel names (Conv2D,
// Conv2DBackpropInput, Conv2DBackpropFilter, FusedConv2D, MaxPool, MaxPoolGrad, and the depthwise
// DepthwiseConv2dNative, its two backprops and FusedDepthwiseConv2D), and gradients for those
// names that keep dimRoundingMode and allow dilations. installAsBuiltins (builtins.ts) installs
// them.
//
// What the adapters translate:
// - tfjs's depthwise filter [fh, fw, C, M] is the grouped filter [fh, fw, 1, C * M] in memory:
//   the depthwise adapters view it so (relabelled on cpu and wasm, whose Reshape would do only
//   that; by the backend's Reshape kernel on webgl) and run the conv kernels (the filter
//   gradient's result is viewed back as [fh, fw, C, M]).
// - tfjs's backprop kernels get no `dilations` attribute from tfjs's ops: default 1. The
//   gradients below pass the forward's dilations (and dimRoundingMode), which tfjs's own drop.
// - tfjs's MaxPool has one output: HandmadeMaxPoolValues, y alone (no argmax is computed).
// - tfjs's MaxPoolGrad takes {dy, input, output}; HandmadeMaxPoolGrad takes {dy, argmax}. Where
//   a gradient is being recorded on cpu, the MaxPool adapter runs the forward that also gives the
//   argmax (HandmadeMaxPool) and keeps the argmax beside its output (ArgmaxKeeper), for
//   MaxPoolGrad to scatter dy to without a second forward. Elsewhere (and for a MaxPoolGrad
//   called on other tensors) MaxPoolGrad recomputes the argmax by the handmade forward on
//   `input` (same tie rule as tfjs's cpu: the first maximum wins).
// - FusedConv2D's bias and preluActivationWeights may be absent; the handmade kernel takes them
//   as optional inputs.
// - tfjs's kernels ignore dimRoundingMode where pad is 'same' or 'valid'; so do the adapters.
// What the handmade kernels do not compute as tfjs's kernels do goes to the kernel that was
// registered under tfjs's name before the override (tfjsOnly says which): inputs that are not
// float32 (tfjs's MaxPool of int32 gives int32; its convolutions keep x's dtype), a fused bias or
// PReLU weights that broadcast the output to a larger shape (tfjs's output then has the
// broadcast shape). Everything else runs the handmade kernel, whose checks (kernels/checks.ts)
// throw where the inputs contradict the attributes (a dy of the wrong shape, for one).
// Each adapter looks the handmade kernel up on its own backend at call time, so any backend that
// the kernel table lists (and register.ts registered) works the same way. On tfjs-wasm, a forward
// convolution's calls after a layer's first run from what that call decided, kept by the filter
// (heap_layers.ts).

import type {
  BackendValues,
  GradConfig,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  Tensor,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import {checkConvShapes, checkKernelCallKept, depthwiseAsGrouped, fmt} from '../kernels/checks';
import {SIMD_ACTIVATIONS} from '../kernels/cpu/fused_conv2d';
import {convAttrsOf, poolAttrsOf} from '../kernels/gradients/attrs';
import {convGradients} from '../kernels/gradients/conv2d';
import type {Activation, ConvAttrs, PoolAttrs} from '../kernels/names';
import * as names from '../kernels/names';
import {fitsAnyOutput, operandFits, valuesPerChannel} from '../kernels/operands';
import {runKernel} from '../kernels/run';
import {wasmHeap} from '../kernels/simd/wasm_heap';
import {HeapLayer, HeapLayers} from './heap_layers';

/** Whether the engine records the kernel now running on its gradient tape: a gradient is being
 *  recorded (tf.grad, tf.variableGrads, a layers model's fit) and this kernel was called by an
 *  op, not from inside another kernel (tfjs's engine: a tape records kernels at depth 0 only). */
function recordingThisKernel(): boolean {
  const state = tf.engine().state;
  return state.gradientDepth > 0 && state.kernelDepth === 1;
}

/** What the adapters read of a node of the engine's gradient tape (tfjs-core's TapeNode). */
interface TapeNodeView {
  kernelName: string;
  inputs: Record<string, {dataId: object}>;
  outputs: {dataId: object}[];
  saved?: {dataId: object}[];
}

/** The engine's gradient tape now: the nodes recorded since the outermost tf.grad (or the like)
 *  began; null when none has begun since the last ended. */
function activeTape(): TapeNodeView[] | null {
  return (tf.engine().state as unknown as {activeTape: TapeNodeView[] | null}).activeTape;
}

/** The argmaxes that recorded MaxPool calls computed on the host backends (cpu and wasm), each
 *  kept beside the output y it belongs to until the MaxPoolGrad of that y takes it. They are
 *  kept as values outside the backend (a copy of the argmax's int32s), so that MaxPool leaves
 *  no data id behind (the engine's leak check counts them), and made a tensor again when taken.
 *  MaxPoolGrad gets the copies of x and y that the tape saved (MaxPool's gradient below): on cpu
 *  a copy shares its original's data id (tfjs's cpu Identity is a reference), on wasm it has
 *  one of its own (tfjs-wasm's Identity copies the memory), so the gradient finds its argmax by
 *  y's data id or, failing that, through the tape node that saved those copies, whose outputs
 *  are the originals. On webgl the argmax is not kept: reading it back would stall on the GPU,
 *  and keeping it as a texture would leave a data id behind; there MaxPoolGrad recomputes it, as
 *  tfjs's own webgl MaxPoolGrad does. An argmax lives as long as the tape that recorded it: one
 *  whose gradient is never taken (a recorded branch that the loss does not reach) is dropped at
 *  the first MaxPool call after that tape is over. */
class ArgmaxKeeper {
  private kept = new Map<
    object,
    {
      backend: KernelBackend;
      tape: TapeNodeView[] | null;
      x: object;
      attrs: string;
      shape: number[];
      dtype: TensorInfo['dtype'];
      values: BackendValues;
    }
  >();

  keep(
    backend: KernelBackend,
    x: TensorInfo,
    y: TensorInfo,
    argmax: TensorInfo,
    attrs: PoolAttrs,
  ): void {
    const values = backend.readSync(argmax.dataId);
    backend.disposeData(argmax.dataId);
    this.kept.set(y.dataId, {
      backend,
      tape: activeTape(),
      x: x.dataId,
      attrs: JSON.stringify(attrs),
      shape: argmax.shape,
      dtype: argmax.dtype,
      values,
    });
  }

  /** The argmax kept for y, computed from x with these attributes on this backend, as a tensor
   *  of the backend's that the caller releases; or null. x and y are the originals or the
   *  tape's saved copies of them. */
  take(backend: KernelBackend, x: TensorInfo, y: TensorInfo, attrs: PoolAttrs): TensorInfo | null {
    let [xId, yId] = [x.dataId, y.dataId];
    if (!this.kept.has(yId)) {
      const node = activeTape()?.find(
        (n) =>
          n.kernelName === 'MaxPool' &&
          n.saved?.[0]?.dataId === xId &&
          n.saved?.[1]?.dataId === yId,
      );
      if (node == null) return null;
      [xId, yId] = [node.inputs.x?.dataId, node.outputs[0]?.dataId];
    }
    const entry = this.kept.get(yId);
    if (
      entry == null ||
      entry.backend !== backend ||
      entry.x !== xId ||
      entry.attrs !== JSON.stringify(attrs)
    ) {
      return null;
    }
    this.kept.delete(yId);
    const dataId = backend.write(entry.values, entry.shape, entry.dtype);
    return {dataId, shape: entry.shape, dtype: entry.dtype};
  }

  /** Drops the argmaxes whose tape is over. */
  dropDead(): void {
    const tape = activeTape();
    for (const [y, entry] of this.kept) if (entry.tape !== tape) this.kept.delete(y);
  }

  /** Drops every kept argmax. */
  clear(): void {
    this.kept.clear();
  }

  /** How many argmaxes are kept. */
  get size(): number {
    return this.kept.size;
  }
}

export const argmaxes = new ArgmaxKeeper();

/** The backends whose recorded MaxPool calls keep their argmax (ArgmaxKeeper). */
const KEEPS_ARGMAX = new Set(['cpu', 'wasm']);

/** tfjs's names that the adapters answer to, each with the handmade kernel behind it. */
export const BUILTIN_NAMES = {
  Conv2D: names.HandmadeConv2D,
  Conv2DBackpropInput: names.HandmadeConv2DBackpropInput,
  Conv2DBackpropFilter: names.HandmadeConv2DBackpropFilter,
  FusedConv2D: names.HandmadeFusedConv2D,
  MaxPool: names.HandmadeMaxPoolValues,
  MaxPoolGrad: names.HandmadeMaxPoolGrad,
  DepthwiseConv2dNative: names.HandmadeConv2D,
  DepthwiseConv2dNativeBackpropInput: names.HandmadeConv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: names.HandmadeConv2DBackpropFilter,
  FusedDepthwiseConv2D: names.HandmadeFusedConv2D,
} as const;
export type BuiltinName = keyof typeof BUILTIN_NAMES;
export const BUILTIN_KERNEL_NAMES = Object.keys(BUILTIN_NAMES) as BuiltinName[];

type Attrs = Record<string, unknown>;

function runHandmade(
  name: string,
  backendName: string,
  inputs: NamedTensorInfoMap,
  backend: object,
  attrs: object,
): TensorInfo | TensorInfo[] {
  const kernel = tf.getKernel(name, backendName);
  if (kernel == null) {
    throw new Error(
      `installAsBuiltins: kernel '${name}' is not registered for backend ` + `'${backendName}'`,
    );
  }
  return kernel.kernelFunc({inputs, backend, attrs: attrs as unknown as NamedAttrMap});
}

const release = (backend: object, t: TensorInfo) =>
  (backend as KernelBackend).disposeData(t.dataId);

/** dimRoundingMode as tfjs's geometry reads it: only with a numeric or explicit pad. */
const roundingOf = (a: Attrs) =>
  typeof a.pad === 'string'
    ? undefined
    : ((a.dimRoundingMode as ConvAttrs['dimRoundingMode']) ?? undefined);

/** a, with b's attributes set on it. Not `{...a, ...b}`: V8 ran the spread of a conv's
 *  attributes into a new object with the fused kernel's two more at about 3.5 µs a call, as
 *  long as all the rest of a small layer's call under the override; set one by one they cost
 *  nothing measurable (ARCHITECTURE.md, below the kernel table). */
function withAttrs<A extends object, B extends object>(a: A, b: B): A & B {
  const out = a as A & B;
  for (const k in b) (out as Record<string, unknown>)[k] = b[k];
  return out;
}

/** tfjs's conv attributes, read by the one reader (kernels/gradients/attrs.ts) with tfjs's own
 *  rule for dimRoundingMode. */
function convAttrs(a: Attrs): ConvAttrs {
  const c = a as unknown as ConvAttrs;
  return convAttrsOf({
    strides: c.strides,
    pad: c.pad,
    dataFormat: c.dataFormat,
    dilations: c.dilations,
    dimRoundingMode: roundingOf(a),
  });
}

/** tfjs's max-pool attributes: NHWC and undilated, which is all tfjs's MaxPool takes. */
function poolAttrs(a: Attrs): PoolAttrs {
  const p = a as unknown as PoolAttrs;
  return poolAttrsOf({
    filterSize: p.filterSize,
    strides: p.strides,
    pad: p.pad,
    dimRoundingMode: roundingOf(a),
    dataFormat: 'NHWC',
    dilations: 1,
  });
}

/** tfjs's depthwise names: the grouped convolution with one input channel per group. */
export const DEPTHWISE_NAMES: readonly BuiltinName[] = [
  'DepthwiseConv2dNative',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'FusedDepthwiseConv2D',
];

/** Whether a fused call's bias and PReLU weights each fit any output of its filter's channels
 *  (kernels/operands.ts fitsAnyOutput), or are absent: what tf.layers and graph models pass, so
 *  tfjsOnly needs no geometry to clear them. */
function perChannelOperands(name: BuiltinName, inputs: NamedTensorInfoMap): boolean {
  const f = inputs.filter?.shape;
  if (f == null || f.length !== 4) return false;
  const outChannels = name === 'FusedDepthwiseConv2D' ? f[2] * f[3] : f[3];
  const fits = (t: TensorInfo | undefined) => t == null || fitsAnyOutput(t.shape, outChannels);
  return fits(inputs.bias) && fits(inputs.preluActivationWeights);
}

/** Why tfjs's own kernel must answer this call rather than the handmade one, or null. */
export function tfjsOnly(
  name: BuiltinName,
  inputs: NamedTensorInfoMap,
  attrs: Attrs,
): string | null {
  for (const key in inputs) {
    const t = inputs[key];
    if (t != null && t.dtype !== 'float32') {
      return `input ${key} has dtype ${t.dtype} (the handmade kernels take float32)`;
    }
  }
  if (DEPTHWISE_NAMES.includes(name) && (attrs.dataFormat ?? 'NHWC') !== 'NHWC') {
    // tfjs's depthwise kernels read x as NHWC whatever dataFormat says (its wasm fused one
    // throws): each backend's own kernel answers as it does.
    return `dataFormat ${String(attrs.dataFormat)} (tfjs's depthwise kernels take NHWC only)`;
  }
  const fused = name === 'FusedConv2D' || name === 'FusedDepthwiseConv2D';
  if (fused && inputs.x != null && inputs.filter != null && !perChannelOperands(name, inputs)) {
    let outShape: number[];
    let fits: (shape: number[]) => boolean;
    try {
      const filterShape =
        name === 'FusedDepthwiseConv2D'
          ? depthwiseAsGrouped(name, inputs.x.shape, inputs.filter.shape, 'NHWC')
          : inputs.filter.shape;
      const {geometry} = checkConvShapes(name, inputs.x.shape, filterShape, convAttrs(attrs));
      outShape = geometry.outShape;
      fits = (shape) => operandFits(shape, geometry.outShape, geometry.dataFormat);
    } catch {
      return null; // the handmade kernel's check says what is wrong
    }
    // tfjs applies the PReLU weights only for activation 'prelu' (the adapter passes them only
    // then).
    for (const key of attrs.activation === 'prelu'
      ? ['bias', 'preluActivationWeights']
      : ['bias']) {
      const t = inputs[key];
      if (t != null && !fits(t.shape)) {
        return `${key} of shape ${fmt(t.shape)} broadcasts the output ${fmt(outShape)} further`;
      }
    }
  }
  return null;
}

/** The adapter kernel for tfjs's `name` on `backendName`; `previous` gives the registration it
 *  replaced, which answers the calls that tfjsOnly names. */
export function builtinAdapter(
  name: BuiltinName,
  backendName: string,
  previous: () => KernelConfig | undefined,
): KernelFunc {
  const handmade = handmadeAdapter(name, backendName);
  const layers = backendName === 'wasm' && HEAP_LAYER_NAMES.has(name) ? new HeapLayers() : null;
  return (args) => {
    if (layers != null) {
      const y = layers.run(args.inputs, args.backend, args.attrs);
      if (y != null) return y;
    }
    const reason = tfjsOnly(name, args.inputs, (args.attrs ?? {}) as Attrs);
    if (reason == null) {
      const out = handmade(args);
      layers?.keep(args.inputs, args.backend, args.attrs, () =>
        heapLayerOf(name, args.inputs, args.backend, (args.attrs ?? {}) as Attrs),
      );
      return out;
    }
    const saved = previous();
    if (saved == null) {
      throw new Error(
        `${name} on '${backendName}': ${reason}, and no kernel of tfjs's was ` +
          `registered under this name before installAsBuiltins`,
      );
    }
    return saved.kernelFunc(args);
  };
}

type FusedAttrs = ConvAttrs & {activation: Activation; leakyreluAlpha: number};

/** The handmade fused kernel's inputs and attributes for a call of tfjs's FusedConv2D, its filter
 *  as `filter`: the PReLU weights only for the activation 'prelu' (tfjs applies them only then),
 *  and the defaults of tfjs's op. */
function fusedCall(
  inputs: NamedTensorInfoMap,
  filter: TensorInfo | undefined,
  a: Attrs,
): {operands: NamedTensorInfoMap; attrs: FusedAttrs} {
  const operands: NamedTensorInfoMap = {x: inputs.x, filter};
  if (inputs.bias != null) operands.bias = inputs.bias;
  if (inputs.preluActivationWeights != null && a.activation === 'prelu') {
    operands.preluActivationWeights = inputs.preluActivationWeights;
  }
  const attrs = withAttrs(convAttrs(a), {
    activation: (a.activation ?? 'linear') as Activation,
    leakyreluAlpha: (a.leakyreluAlpha as number | undefined) ?? 0.2,
  });
  return {operands, attrs};
}

/** The names whose calls on tfjs-wasm run from kept layers after their first (heap_layers.ts). */
const HEAP_LAYER_NAMES: ReadonlySet<BuiltinName> = new Set<BuiltinName>([
  'Conv2D',
  'FusedConv2D',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2D',
]);

/** What the calls after this one of a layer (tfjs's `name`, a forward convolution) need to run on
 *  tfjs-wasm's heap from heap_layers.ts, made as the adapters below and the handmade kernel's
 *  entry make it: the handmade kernel's inputs and attributes, its kept check, and the fused
 *  epilogue where the SIMD module applies it (kernels/cpu/fused_conv2d.ts). Null where the call
 *  does not run there: not on tfjs-wasm's unthreaded heap, an activation or an operand that the
 *  module's epilogue does not take, empty tensors. */
function heapLayerOf(
  name: BuiltinName,
  inputs: NamedTensorInfoMap,
  backend: object,
  a: Attrs,
): HeapLayer | null {
  const heap = wasmHeap(backend);
  const {x, filter} = inputs;
  if (heap == null || x == null || filter == null) return null;
  const fused = name === 'FusedConv2D' || name === 'FusedDepthwiseConv2D';
  const filterShape = DEPTHWISE_NAMES.includes(name)
    ? depthwiseAsGrouped(name, x.shape, filter.shape, 'NHWC')
    : filter.shape;
  const view = {dataId: filter.dataId, shape: filterShape, dtype: filter.dtype};
  const call = fused
    ? fusedCall(inputs, view, a)
    : {operands: {x, filter: view} as NamedTensorInfoMap, attrs: convAttrs(a)};
  const {activation, leakyreluAlpha: alpha} = fused
    ? (call.attrs as FusedAttrs)
    : {activation: 'linear' as Activation, leakyreluAlpha: 0.2};
  const kind = SIMD_ACTIVATIONS[activation];
  if (kind == null) return null;
  const {bias, preluActivationWeights: prelu} = call.operands;
  const {geometry: g, trivial} = checkKernelCallKept(
    fused ? names.HandmadeFusedConv2D : names.HandmadeConv2D,
    call.operands,
    call.attrs,
  );
  if (trivial || g.dataFormat !== 'NHWC') return null;
  const perChannel = (t?: TensorInfo) =>
    t == null || (t.dtype === 'float32' && valuesPerChannel(t.shape, g.outShape, 'NHWC'));
  if (!perChannel(bias) || !perChannel(prelu)) return null;
  const epilogue = fused ? {kind, alpha, bias: bias != null, prelu: prelu != null} : null;
  return {heap, backend, g, filterShape, epilogue};
}

function handmadeAdapter(name: BuiltinName, backendName: string): KernelFunc {
  const hm = BUILTIN_NAMES[name];
  const run = (inputs: NamedTensorInfoMap, backend: object, attrs: object) =>
    runHandmade(hm, backendName, inputs, backend, attrs);
  switch (name) {
    case 'Conv2D':
      return ({inputs, backend, attrs}) =>
        run({x: inputs.x, filter: inputs.filter}, backend, convAttrs(attrs as Attrs));
    case 'Conv2DBackpropInput':
      return ({inputs, backend, attrs}) =>
        run(
          {dy: inputs.dy, filter: inputs.filter},
          backend,
          withAttrs(convAttrs(attrs as Attrs), {inputShape: (attrs as Attrs).inputShape}),
        );
    case 'Conv2DBackpropFilter':
      return ({inputs, backend, attrs}) =>
        run(
          {x: inputs.x, dy: inputs.dy},
          backend,
          withAttrs(convAttrs(attrs as Attrs), {filterShape: (attrs as Attrs).filterShape}),
        );
    case 'FusedDepthwiseConv2D': {
      const fused = handmadeAdapter('FusedConv2D', backendName);
      return ({inputs, backend, attrs}) =>
        withGroupedFilter(name, backendName, backend, inputs, (filter) =>
          fused({
            inputs: {
              x: inputs.x,
              filter,
              bias: inputs.bias,
              preluActivationWeights: inputs.preluActivationWeights,
            },
            backend,
            attrs,
          }),
        );
    }
    case 'FusedConv2D':
      return ({inputs, backend, attrs}) => {
        const call = fusedCall(inputs, inputs.filter, attrs as Attrs);
        return run(call.operands, backend, call.attrs);
      };
    case 'DepthwiseConv2dNative':
      return ({inputs, backend, attrs}) =>
        withGroupedFilter(name, backendName, backend, inputs, (filter) =>
          run({x: inputs.x, filter}, backend, convAttrs(attrs as Attrs)),
        );
    case 'DepthwiseConv2dNativeBackpropInput':
      return ({inputs, backend, attrs}) => {
        const a = attrs as Attrs;
        const x = {shape: a.inputShape as number[]};
        return withGroupedFilter(name, backendName, backend, {...inputs, x}, (filter) =>
          run(
            {dy: inputs.dy, filter},
            backend,
            withAttrs(convAttrs(a), {inputShape: a.inputShape}),
          ),
        );
      };
    case 'DepthwiseConv2dNativeBackpropFilter':
      return ({inputs, backend, attrs}) => {
        const a = attrs as Attrs;
        const filterShape = a.filterShape as number[];
        const grouped = depthwiseAsGrouped(
          name,
          (inputs.x as TensorInfo).shape,
          filterShape,
          'NHWC',
        );
        const dW = run(
          {x: inputs.x, dy: inputs.dy},
          backend,
          withAttrs(convAttrs(a), {filterShape: grouped}),
        ) as TensorInfo;
        return reshapeOwned(backendName, backend, dW, filterShape);
      };
    case 'MaxPool':
      return ({inputs, backend, attrs}) => {
        const a = poolAttrs(attrs as Attrs);
        argmaxes.dropDead();
        if (!KEEPS_ARGMAX.has(backendName) || !recordingThisKernel()) {
          return run({x: inputs.x}, backend, a);
        }
        const [y, argmax] = runHandmade(
          names.HandmadeMaxPool,
          backendName,
          {x: inputs.x},
          backend,
          a,
        ) as TensorInfo[];
        argmaxes.keep(backend as KernelBackend, inputs.x as TensorInfo, y, argmax, a);
        return y;
      };
    case 'MaxPoolGrad':
      return ({inputs, backend, attrs}) => {
        const a = poolAttrs(attrs as Attrs);
        const input = inputs.input as TensorInfo;
        let argmax = argmaxes.take(backend as KernelBackend, input, inputs.output as TensorInfo, a);
        if (argmax == null) {
          let y: TensorInfo;
          [y, argmax] = runHandmade(
            names.HandmadeMaxPool,
            backendName,
            {x: input},
            backend,
            a,
          ) as TensorInfo[];
          release(backend, y);
        }
        const dx = run({dy: inputs.dy, argmax}, backend, withAttrs(a, {inputShape: input.shape}));
        release(backend, argmax);
        return dx;
      };
  }
}

/** `inputs.x`'s shape checked against the depthwise filter `inputs.filter`, which `body` gets as
 *  the grouped filter it is in memory (viewAs, released after). */
function withGroupedFilter(
  name: BuiltinName,
  backendName: string,
  backend: object,
  inputs: {x?: {shape: number[]}; filter?: TensorInfo},
  body: (filter: TensorInfo) => TensorInfo | TensorInfo[],
): TensorInfo | TensorInfo[] {
  const {x, filter} = inputs;
  if (x == null || filter == null) {
    throw new Error(`${name}: needs the inputs x (or the attribute inputShape) and filter`);
  }
  const grouped = depthwiseAsGrouped(name, x.shape, filter.shape, 'NHWC');
  const view = viewAs(backendName, backend, filter, grouped);
  try {
    return body(view);
  } finally {
    if (!RELABELS.has(backendName)) release(backend, view);
  }
}

/** The backends whose own Reshape kernel gives the same data id under the new shape (tfjs's cpu
 *  and wasm Reshape: a reference counted once more); there the adapters relabel the shape
 *  themselves, which is all that Reshape would do, and no count changes. */
const RELABELS = new Set(['cpu', 'wasm']);

/** t viewed as `shape` for the length of a call: relabelled where the backend's Reshape would
 *  only do that (RELABELS; nothing to release), else made by that Reshape (released by the
 *  caller). */
function viewAs(backendName: string, backend: object, t: TensorInfo, shape: number[]): TensorInfo {
  if (RELABELS.has(backendName)) return {dataId: t.dataId, shape, dtype: t.dtype};
  return reshapeOn(backendName, backend, t, shape);
}

/** t, which the caller owns and gives up, as `shape`: relabelled (RELABELS), or reshaped by the
 *  backend's own Reshape and t released. */
function reshapeOwned(
  backendName: string,
  backend: object,
  t: TensorInfo,
  shape: number[],
): TensorInfo {
  if (RELABELS.has(backendName)) return {dataId: t.dataId, shape, dtype: t.dtype};
  const result = reshapeOn(backendName, backend, t, shape);
  release(backend, t);
  return result;
}

/** t viewed as `shape` by the backend's own Reshape kernel (on cpu and wasm the same data; on
 *  webgl a texture tfjs repacks where the packed layout differs), released by the caller. */
function reshapeOn(
  backendName: string,
  backend: object,
  t: TensorInfo,
  shape: number[],
): TensorInfo {
  const reshape = tf.getKernel('Reshape', backendName);
  if (reshape == null) throw new Error(`backend '${backendName}' has no Reshape kernel`);
  return reshape.kernelFunc({
    inputs: {x: t},
    backend,
    attrs: {shape},
  }) as TensorInfo;
}

// Gradients under tfjs's names. They run tfjs's kernel names (so the adapters serve them on
// every backend where they are installed), passing the forward's dilations and dimRoundingMode.
// On a backend where the adapters are not installed, `fallback` (the gradient registered before,
// usually tfjs's own) answers instead, so that backend behaves exactly as without the override.

type Fallback = (kernelName: string) => GradConfig | undefined;
const runNamed = runKernel;

function withFallback(
  config: GradConfig,
  installedOn: (backend: string) => boolean,
  fallback: Fallback,
): GradConfig {
  return {
    ...config,
    gradFunc: (dy, saved, attrs) => {
      const previous = fallback(config.kernelName);
      if (!installedOn(tf.getBackend()) && previous != null) {
        return previous.gradFunc(dy, saved, attrs);
      }
      return config.gradFunc(dy, saved, attrs);
    },
  };
}

export function builtinGradients(
  installedOn: (backend: string) => boolean,
  fallback: Fallback,
): GradConfig[] {
  // The same three gradients as the handmade kernels' (kernels/gradients/conv2d.ts), calling
  // whatever is registered under tfjs's names, with tfjs's attributes read as tfjs reads them.
  const [conv2dGrad, backpropInputGrad, backpropFilterGrad] = convGradients(
    {
      conv2d: 'Conv2D',
      backpropInput: 'Conv2DBackpropInput',
      backpropFilter: 'Conv2DBackpropFilter',
    },
    (attrs) => convAttrs(attrs as Attrs),
  );
  // The depthwise ones: the same math on tfjs's depthwise names (whose kernels take NHWC only),
  // with dilations and dimRoundingMode passed on (tfjs's own gradient throws for dilations > 1)
  // and second order.
  const depthwise = convGradients(
    {
      conv2d: 'DepthwiseConv2dNative',
      backpropInput: 'DepthwiseConv2dNativeBackpropInput',
      backpropFilter: 'DepthwiseConv2dNativeBackpropFilter',
    },
    (attrs) => withAttrs(convAttrs(attrs as Attrs), {dataFormat: 'NHWC' as const}),
  );
  const maxPoolGrad: GradConfig = {
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => ({
      x: () =>
        runNamed('MaxPoolGrad', {dy: dy as Tensor, input: x, output: y}, poolAttrs(attrs as Attrs)),
    }),
  };
  return [conv2dGrad, backpropInputGrad, backpropFilterGrad, ...depthwise, maxPoolGrad].map((g) =>
    withFallback(g, installedOn, fallback),
  );
}
