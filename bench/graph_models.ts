// Graph models as tfjs-converter writes them, built in memory: the nodes of a TensorFlow graph
// after the converter's fusions (_FusedConv2D with BiasAdd and Relu / Relu6, and
// FusedDepthwiseConv2dNative), with seeded weights, loaded by tf.loadGraphModel. Their
// convolutions reach the kernels as the graph executor calls them, through tf.fused.conv2d,
// which the layers API does not (a tf.layers model calls Conv2D and then BiasAdd and the
// activation, or FusedConv2D only in some layers).

import * as tfc from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';

import {seededRandom} from '../src/index';

type Activation = 'Relu' | 'Relu6' | null;

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** A graph under construction: nodes in the converter's JSON form and their weights. */
class GraphBuilder {
  readonly nodes: object[] = [];
  private readonly specs: WeightSpec[] = [];
  private readonly values: (Float32Array | Int32Array)[] = [];
  private readonly next: () => number;
  private count = 0;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  private name(op: string): string {
    return `${op}_${this.count++}`;
  }

  private static ints(values: number[]) {
    return {list: {i: values.map(String)}};
  }

  private static str(value: string) {
    return {s: btoa(value)};
  }

  private static dims(shape: number[]) {
    return {dim: shape.map((size) => ({size: String(size)}))};
  }

  placeholder(shape: number[]): string {
    const name = this.name('input');
    this.nodes.push({
      name,
      op: 'Placeholder',
      attr: {dtype: {type: 'DT_FLOAT'}, shape: {shape: GraphBuilder.dims(shape)}},
    });
    return name;
  }

  /** A constant from the weights: uniform values scaled by fan-in, or the given int32s. */
  constant(shape: number[], fanIn: number, ints?: number[]): string {
    const name = this.name('const');
    const dtype = ints == null ? 'float32' : 'int32';
    const scale = Math.sqrt(3 / fanIn);
    const size = shape.reduce((a, b) => a * b, 1);
    this.values.push(
      ints == null
        ? Float32Array.from({length: size}, () => (2 * this.next() - 1) * scale)
        : Int32Array.from(ints),
    );
    this.specs.push({name, shape, dtype});
    this.nodes.push({
      name,
      op: 'Const',
      attr: {
        value: {tensor: {dtype: dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32', tensorShape: {}}},
        dtype: {type: dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32'},
      },
    });
    return name;
  }

  private fused(
    op: '_FusedConv2D' | 'FusedDepthwiseConv2dNative',
    x: string,
    filterShape: number[],
    stride: number,
    activation: Activation,
  ): string {
    const [kh, kw, cin, m] = filterShape;
    const filter = this.constant(filterShape, kh * kw * (op === '_FusedConv2D' ? cin : 1));
    const bias = this.constant([op === '_FusedConv2D' ? m : cin * m], 1);
    const name = this.name(op === '_FusedConv2D' ? 'conv' : 'depthwise');
    this.nodes.push({
      name,
      op,
      input: [x, filter, bias],
      attr: {
        T: {type: 'DT_FLOAT'},
        strides: GraphBuilder.ints([1, stride, stride, 1]),
        padding: GraphBuilder.str('SAME'),
        data_format: GraphBuilder.str('NHWC'),
        dilations: GraphBuilder.ints([1, 1, 1, 1]),
        fused_ops: {
          list: {s: ['BiasAdd', ...(activation == null ? [] : [activation])].map(btoa)},
        },
        num_args: {i: '1'},
      },
    });
    return name;
  }

  conv(x: string, k: number, cin: number, cout: number, stride: number, act: Activation): string {
    return this.fused('_FusedConv2D', x, [k, k, cin, cout], stride, act);
  }

  depthwise(x: string, channels: number, stride: number, act: Activation): string {
    return this.fused('FusedDepthwiseConv2dNative', x, [3, 3, channels, 1], stride, act);
  }

  private op(op: string, input: string[], attr: object = {}): string {
    const name = this.name(op.toLowerCase());
    this.nodes.push({name, op, input, attr: {T: {type: 'DT_FLOAT'}, ...attr}});
    return name;
  }

  add(a: string, b: string): string {
    return this.op('AddV2', [a, b]);
  }

  relu(x: string): string {
    return this.op('Relu', [x]);
  }

  maxPool(x: string, k: number, stride: number): string {
    return this.op('MaxPool', [x], {
      ksize: GraphBuilder.ints([1, k, k, 1]),
      strides: GraphBuilder.ints([1, stride, stride, 1]),
      padding: GraphBuilder.str('SAME'),
      data_format: GraphBuilder.str('NHWC'),
    });
  }

  /** The classifier head: the spatial mean, then a dense layer with bias. */
  head(x: string, channels: number, classes: number): string {
    const axes = this.constant([2], 1, [1, 2]);
    const mean = this.op('Mean', [x, axes], {keep_dims: {b: false}, Tidx: {type: 'DT_INT32'}});
    const w = this.constant([channels, classes], channels);
    const product = this.op('MatMul', [mean, w], {
      transpose_a: {b: false},
      transpose_b: {b: false},
    });
    return this.op('BiasAdd', [product, this.constant([classes], 1)], {
      data_format: GraphBuilder.str('NHWC'),
    });
  }

  /** The graph as the artifacts tf.io.fromMemory takes. */
  artifacts(): tf.io.ModelArtifacts {
    const bytes = this.values.reduce((n, v) => n + v.byteLength, 0);
    const data = new Uint8Array(bytes);
    let offset = 0;
    for (const v of this.values) {
      data.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
      offset += v.byteLength;
    }
    return {
      format: 'graph-model',
      modelTopology: {node: this.nodes, library: {}, versions: {producer: 1}},
      weightSpecs: this.specs,
      weightData: data.buffer,
    };
  }
}

/** A width times MobileNetV2's width multiplier: rounded to a multiple of 8, and not more than
 *  10% below it, as the published models round their channels. */
function scaledWidth(channels: number, alpha: number): number {
  if (alpha === 1) return channels;
  const v = channels * alpha;
  const rounded = Math.max(8, Math.floor((v + 4) / 8) * 8);
  return rounded < 0.9 * v ? rounded + 8 : rounded;
}

/** MobileNetV2 as the converter writes it (BatchNorm folded, ReLU6 fused): width multiplier
 *  alpha on a size x size image; the last 1x1 keeps 1280 channels below alpha 1, as the
 *  published models do. */
export function mobilenetV2Graph(size = 224, alpha = 1): tf.io.ModelArtifacts {
  const g = new GraphBuilder(21);
  let channels = scaledWidth(32, alpha);
  let x = g.conv(g.placeholder([1, size, size, 3]), 3, 3, channels, 2, 'Relu6');
  for (const [t, width, repeats, stride] of [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ]) {
    const out = scaledWidth(width, alpha);
    for (let i = 0; i < repeats; i++) {
      const wide = channels * t;
      let y = t === 1 ? x : g.conv(x, 1, channels, wide, 1, 'Relu6');
      y = g.depthwise(y, wide, i === 0 ? stride : 1, 'Relu6');
      y = g.conv(y, 1, wide, out, 1, null);
      x = i > 0 ? g.add(x, y) : y;
      channels = out;
    }
  }
  const last = Math.max(1280, scaledWidth(1280, alpha));
  x = g.conv(x, 1, channels, last, 1, 'Relu6');
  g.head(x, last, 1000);
  return g.artifacts();
}

/** ResNet-50's stages: (bottleneck width, blocks, first block's stride). */
export const RESNET50_STAGES = [
  [64, 3, 1],
  [128, 4, 2],
  [256, 6, 2],
  [512, 3, 2],
] as const;

/** ResNet-50 at 224 as the converter writes it (BatchNorm folded, ReLU fused). */
export function resnet50Graph(): tf.io.ModelArtifacts {
  const g = new GraphBuilder(22);
  let x = g.conv(g.placeholder([1, 224, 224, 3]), 7, 3, 64, 2, 'Relu');
  x = g.maxPool(x, 3, 2);
  let channels = 64;
  for (const [filters, repeats, stride] of RESNET50_STAGES) {
    for (let i = 0; i < repeats; i++) {
      const s = i === 0 ? stride : 1;
      let y = g.conv(x, 1, channels, filters, s, 'Relu');
      y = g.conv(y, 3, filters, filters, 1, 'Relu');
      y = g.conv(y, 1, filters, 4 * filters, 1, null);
      const shortcut = i === 0 ? g.conv(x, 1, channels, 4 * filters, s, null) : x;
      x = g.relu(g.add(y, shortcut));
      channels = 4 * filters;
    }
  }
  g.head(x, channels, 1000);
  return g.artifacts();
}

/** Loads graph artifacts with tf.loadGraphModel, as a page or node would load a converted model. */
export function loadGraph(artifacts: tf.io.ModelArtifacts): Promise<tfc.GraphModel> {
  return tfc.loadGraphModel(tf.io.fromMemory(artifacts));
}
