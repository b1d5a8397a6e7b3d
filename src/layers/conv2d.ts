// hm.layers.conv2d: a drop-in for tf.layers.conv2d that runs hm.fused.conv2d, natively in either
// layout (channelsFirst runs the kernels in NCHW, with no transposes), trains with dilations
// (tfjs's own conv layer cannot) and with groups (tfjs's has none).
//
// Argument handling is tfjs-layers' own: the layer builds a private tf.layers.conv2d from the same
// arguments (never applied, so it holds no weights) and takes from it the parsed initializers,
// regularizers, constraints and activation, and its getConfig. So every spelling tf.layers.conv2d
// accepts ('glorotUniform', an Initializer, a {className, config} dict from a saved model, ...)
// is accepted here, and the config keys are tf.layers.Conv2D's, plus `groups`.
// The parsed objects are protected fields of tfjs-layers' Conv2D, read through ConvInternals
// (their names are stable across tfjs-layers 4.x).

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {Constraint} from '@tensorflow/tfjs-layers/dist/constraints';
import type {Initializer} from '@tensorflow/tfjs-layers/dist/initializers';
import type {Shape} from '@tensorflow/tfjs-layers/dist/keras_format/common';
import type {ConvLayerArgs} from '@tensorflow/tfjs-layers/dist/layers/convolutional';
import type {Regularizer} from '@tensorflow/tfjs-layers/dist/regularizers';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {convGeometry} from '../../kernels/geometry';
import type {Activation, DataFormat, Pair} from '../../kernels/names';
import {fused} from '../ops';
import {show} from '../validate';

export interface HandmadeConv2DLayerArgs extends ConvLayerArgs {
  /** Split the input channels into `groups` groups, each convolved with filters / groups
   *  filters. The kernel has shape [kh, kw, inChannels / groups, filters]. Default 1. */
  groups?: number;
}

/** A tf.layers activation, as its layers hold it parsed. */
export interface ParsedActivation {
  apply(x: tf.Tensor): tf.Tensor;
  getClassName(): string;
}
interface ConvInternals {
  activation: ParsedActivation;
  kernelInitializer: Initializer;
  biasInitializer: Initializer;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  kernelConstraint?: Constraint;
  biasConstraint?: Constraint;
  activityRegularizer?: Regularizer;
}

/** tfjs-layers activations the fused kernel applies itself; any other runs after it. */
const FUSED: Record<string, Activation> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  elu: 'elu',
  sigmoid: 'sigmoid',
};

/** The fused kernel's name for a tf.layers activation, or undefined where it runs after. */
export const fusedActivation = (act: ParsedActivation): Activation | undefined =>
  FUSED[act.getClassName()];

const fmt = (shape: ReadonlyArray<number | null>) => `[${shape.join(',')}]`;

/** A convolution layer's geometry, as tf.layers' config of it holds it. */
export interface LayerGeometry {
  dataFormat: DataFormat;
  kernelSize: Pair;
  strides: Pair;
  dilations: Pair;
  padding: 'same' | 'valid';
}

export function layerGeometry(conf: tf.serialization.ConfigDict): LayerGeometry {
  const d = conf.dilationRate as number | number[];
  return {
    dataFormat: conf.dataFormat === 'channelsFirst' ? 'NCHW' : 'NHWC',
    kernelSize: conf.kernelSize as Pair,
    strides: conf.strides as Pair,
    dilations: typeof d === 'number' ? [d, d] : [d[0], d[1] ?? d[0]],
    padding: conf.padding as 'same' | 'valid',
  };
}

/** The output shape of a layer of geometry l on an input of `shape` with inC channels (rows and
 *  columns null where the input's are), its filter's last two axes `filterIO`. */
export function outputShape(
  shape: Shape,
  l: LayerGeometry,
  filterIO: number[],
  inC: number,
): Shape {
  const nchw = l.dataFormat === 'NCHW';
  const [h, w] = nchw ? [shape[2], shape[3]] : [shape[1], shape[2]];
  let outH: number | null = null;
  let outW: number | null = null;
  if (h != null && w != null) {
    const xShape = nchw ? [1, inC, h, w] : [1, h, w, inC];
    const g = convGeometry(xShape, [...l.kernelSize, ...filterIO], {
      strides: l.strides,
      pad: l.padding,
      dataFormat: l.dataFormat,
      dilations: l.dilations,
    });
    [outH, outW] = [g.outHeight, g.outWidth];
  }
  const outC = filterIO[1];
  return nchw ? [shape[0], outC, outH, outW] : [shape[0], outH, outW, outC];
}

/** Keys of the arguments that are the base layer's, not the convolution's. */
export const BASE_KEYS = [
  'inputShape',
  'batchInputShape',
  'batchSize',
  'dtype',
  'name',
  'trainable',
  'weights',
  'inputDType',
  'groups',
];

export class HandmadeConv2D extends tfl.layers.Layer {
  static className = 'HandmadeConv2D';
  readonly groups: number;
  private readonly parsed: ConvInternals; // the parsed arguments, held by a tf.layers.Conv2D
  private readonly conf: tf.serialization.ConfigDict;
  private readonly geometry: LayerGeometry;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: HandmadeConv2DLayerArgs) {
    super(args);
    const groups = args.groups ?? 1;
    const positiveInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
    if (!positiveInt(args.filters)) {
      throw new Error(
        `hm.layers.conv2d: filters must be a positive integer, got ${show(args.filters)}`,
      );
    }
    if (!positiveInt(groups)) {
      throw new Error(
        `hm.layers.conv2d: groups must be a positive integer, got ${show(args.groups)}`,
      );
    }
    if (args.filters % groups !== 0) {
      throw new Error(`hm.layers.conv2d: groups (${groups}) must divide filters (${args.filters})`);
    }
    this.groups = groups;
    const convArgs: Record<string, unknown> = {...args};
    for (const k of BASE_KEYS) delete convArgs[k];
    // Named after this layer so that it takes no name from tf.layers' counters.
    const spec = tfl.layers.conv2d({...convArgs, name: `${this.name}_args`} as ConvLayerArgs);
    this.parsed = spec as unknown as ConvInternals;
    this.conf = spec.getConfig();
    this.geometry = layerGeometry(this.conf);
    if (this.parsed.activityRegularizer != null) {
      this.activityRegularizer = this.parsed.activityRegularizer;
    }
    this.inputSpec = [{ndim: 4}];
  }

  private get filters(): number {
    return this.conf.filters as number;
  }
  private get useBias(): boolean {
    return this.conf.useBias as boolean;
  }

  private inChannels(inputShape: Shape): number {
    const c = inputShape[this.geometry.dataFormat === 'NHWC' ? 3 : 1];
    if (inputShape.length !== 4 || c == null) {
      throw new Error(
        `hm.layers.conv2d (${this.name}): expects a rank-4 input with a known ` +
          `channel axis (${this.geometry.dataFormat}), got input shape ${fmt(inputShape)}`,
      );
    }
    if (c % this.groups !== 0) {
      throw new Error(
        `hm.layers.conv2d (${this.name}): groups (${this.groups}) must divide the ` +
          `input's ${c} channels (input shape ${fmt(inputShape)}, ${this.geometry.dataFormat})`,
      );
    }
    return c;
  }

  build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inC = this.inChannels(shape);
    const p = this.parsed;
    this.kernel = this.addWeight(
      'kernel',
      [...this.geometry.kernelSize, inC / this.groups, this.filters],
      'float32',
      p.kernelInitializer,
      p.kernelRegularizer,
      true,
      p.kernelConstraint,
    );
    if (this.useBias) {
      this.bias = this.addWeight(
        'bias',
        [this.filters],
        'float32',
        p.biasInitializer,
        p.biasRegularizer,
        true,
        p.biasConstraint,
      );
    }
    const axis = this.geometry.dataFormat === 'NHWC' ? 3 : 1;
    this.inputSpec = [{ndim: 4, axes: {[axis]: inC}}];
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inC = this.inChannels(shape);
    return outputShape(shape, this.geometry, [inC / this.groups, this.filters], inC);
  }

  call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const kernel = this.kernel;
    if (kernel == null) throw new Error(`${this.name}: call() before the layer was built`);
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const act = this.parsed.activation;
      const fusedAct = fusedActivation(act);
      const y = fused.conv2d({
        x,
        filter: kernel.read() as tf.Tensor4D,
        strides: this.geometry.strides,
        pad: this.geometry.padding,
        dataFormat: this.geometry.dataFormat,
        dilations: this.geometry.dilations,
        bias: this.bias?.read(),
        activation: fusedAct ?? 'linear',
      });
      return fusedAct != null ? y : act.apply(y);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    const conv = {...this.conf};
    for (const k of BASE_KEYS) delete conv[k];
    return {...conv, ...super.getConfig(), groups: this.groups};
  }
}
tf.serialization.registerClass(HandmadeConv2D);

export function conv2d(args: HandmadeConv2DLayerArgs): HandmadeConv2D {
  return new HandmadeConv2D(args);
}
