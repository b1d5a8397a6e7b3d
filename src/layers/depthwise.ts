// hm.layers.depthwiseConv2d and hm.layers.separableConv2d: drop-ins for tf.layers' layers of
// those names that run hm.fused.depthwiseConv2d (and, for the separable one, hm.fused.conv2d for
// the pointwise 1x1 step), in either layout natively, and with dilationRate applied and trained
// (tf.layers.depthwiseConv2d ignores its dilationRate; tfjs's depthwise gradient throws for
// dilations > 1).
//
// As hm.layers.conv2d (conv2d.ts) does, each layer parses its arguments by building a private
// tf.layers layer from them (never applied, so it holds no weights) and takes from it the parsed
// initializers, regularizers, constraints and activation, and its getConfig: every spelling the
// tf.layers layer accepts is accepted here, and the config keys are its own. The weights have
// tf.layers' names and order (depthwise_kernel, pointwise_kernel, bias), so weights saved from a
// tf.layers model load into these layers as they are.

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {Constraint} from '@tensorflow/tfjs-layers/dist/constraints';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Initializer} from '@tensorflow/tfjs-layers/dist/initializers';
import type {Shape} from '@tensorflow/tfjs-layers/dist/keras_format/common';
import type {SeparableConvLayerArgs} from '@tensorflow/tfjs-layers/dist/layers/convolutional';
import type {DepthwiseConv2DLayerArgs} from '@tensorflow/tfjs-layers/dist/layers/convolutional_depthwise';
import type {Regularizer} from '@tensorflow/tfjs-layers/dist/regularizers';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {fused} from '../ops';
import {
  BASE_KEYS,
  fusedActivation,
  type LayerGeometry,
  layerGeometry,
  outputShape,
  type ParsedActivation,
} from './conv2d';

/** The parsed arguments, as tf.layers' DepthwiseConv2D and SeparableConv2D hold them. */
interface DepthwiseInternals {
  activation: ParsedActivation;
  depthwiseInitializer: Initializer;
  depthwiseRegularizer?: Regularizer;
  depthwiseConstraint?: Constraint;
  biasInitializer: Initializer;
  biasRegularizer?: Regularizer;
  biasConstraint?: Constraint;
  activityRegularizer?: Regularizer;
}

const fmt = (shape: ReadonlyArray<number | null>) => `[${shape.join(',')}]`;

/** What both layers share: the depthwise step, its weights and geometry. */
abstract class DepthwiseBase extends tfl.layers.Layer {
  protected readonly parsed: DepthwiseInternals;
  protected readonly conf: tf.serialization.ConfigDict;
  protected readonly geometry: LayerGeometry;
  protected depthwiseKernel: tfl.LayerVariable | null = null;
  protected bias: tfl.LayerVariable | null = null;

  constructor(args: LayerArgs, spec: tfl.layers.Layer) {
    super(args);
    this.parsed = spec as unknown as DepthwiseInternals;
    // tf.layers' DepthwiseConv2D writes its regularizer as its depthwiseConstraint, which
    // would load back as a constraint that makes the kernel a scalar: written right here.
    this.conf = {
      ...spec.getConfig(),
      depthwiseConstraint: conv2dConfig(this.name, {
        kernelConstraint: this.parsed.depthwiseConstraint,
      }).kernelConstraint,
    };
    this.geometry = layerGeometry(this.conf);
    if (this.parsed.activityRegularizer != null) {
      this.activityRegularizer = this.parsed.activityRegularizer;
    }
    this.inputSpec = [{ndim: 4}];
  }

  protected get opName(): string {
    return `hm.layers.${this.getClassName() === 'HandmadeSeparableConv2D' ? 'separableConv2d' : 'depthwiseConv2d'}`;
  }
  /** Read from the parsed layer: tf.layers' SeparableConv2D leaves it out of its config. */
  protected get depthMultiplier(): number {
    return (this.parsed as unknown as {depthMultiplier: number}).depthMultiplier;
  }
  protected get useBias(): boolean {
    return this.conf.useBias as boolean;
  }
  /** The output channels. */
  protected abstract outChannels(inC: number): number;

  protected inChannels(inputShape: Shape): number {
    const c = inputShape[this.geometry.dataFormat === 'NHWC' ? 3 : 1];
    if (inputShape.length !== 4 || c == null) {
      throw new Error(
        `${this.opName} (${this.name}): expects a rank-4 input with a known channel axis ` +
          `(${this.geometry.dataFormat}), got input shape ${fmt(inputShape)}`,
      );
    }
    return c;
  }

  protected addDepthwiseKernel(inC: number): void {
    const p = this.parsed;
    this.depthwiseKernel = this.addWeight(
      'depthwise_kernel',
      [...this.geometry.kernelSize, inC, this.depthMultiplier],
      'float32',
      p.depthwiseInitializer,
      p.depthwiseRegularizer,
      true,
      p.depthwiseConstraint,
    );
  }

  protected addBias(inC: number): void {
    if (!this.useBias) return;
    const p = this.parsed;
    this.bias = this.addWeight(
      'bias',
      [this.outChannels(inC)],
      'float32',
      p.biasInitializer,
      p.biasRegularizer,
      true,
      p.biasConstraint,
    );
  }

  protected finishBuild(inC: number): void {
    const axis = this.geometry.dataFormat === 'NHWC' ? 3 : 1;
    this.inputSpec = [{ndim: 4, axes: {[axis]: inC}}];
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inC = this.inChannels(shape);
    const depthwise = outputShape(shape, this.geometry, [1, inC * this.depthMultiplier], inC);
    const outC = this.outChannels(inC);
    return this.geometry.dataFormat === 'NCHW'
      ? [depthwise[0], outC, depthwise[2], depthwise[3]]
      : [depthwise[0], depthwise[1], depthwise[2], outC];
  }

  /** The depthwise step, with the bias and activation given. */
  protected depthwise(x: tf.Tensor4D, bias: tf.Tensor | undefined, last: boolean): tf.Tensor4D {
    const kernel = this.depthwiseKernel;
    if (kernel == null) throw new Error(`${this.name}: call() before the layer was built`);
    const activation = last ? fusedActivation(this.parsed.activation) : 'linear';
    return fused.depthwiseConv2d({
      x,
      filter: kernel.read() as tf.Tensor4D,
      strides: this.geometry.strides,
      pad: this.geometry.padding,
      dataFormat: this.geometry.dataFormat,
      dilations: this.geometry.dilations,
      bias,
      activation: activation ?? 'linear',
    });
  }

  /** The layer's activation, where the fused kernel did not apply it. */
  protected activate(y: tf.Tensor): tf.Tensor {
    const act = this.parsed.activation;
    return fusedActivation(act) != null ? y : act.apply(y);
  }

  getConfig(): tf.serialization.ConfigDict {
    const own = {...this.conf};
    for (const k of BASE_KEYS) delete own[k];
    return {...own, ...super.getConfig()};
  }
}

export class HandmadeDepthwiseConv2D extends DepthwiseBase {
  static className = 'HandmadeDepthwiseConv2D';

  constructor(args: DepthwiseConv2DLayerArgs) {
    super(
      args,
      parseWith(args, (a) => tfl.layers.depthwiseConv2d(a as DepthwiseConv2DLayerArgs)),
    );
  }

  protected outChannels(inC: number): number {
    return inC * this.depthMultiplier;
  }

  build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inC = this.inChannels(shape);
    this.addDepthwiseKernel(inC);
    this.addBias(inC);
    this.finishBuild(inC);
  }

  call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return this.activate(this.depthwise(x, this.bias?.read(), true));
    });
  }
}
tf.serialization.registerClass(HandmadeDepthwiseConv2D);

interface PointwiseInternals {
  pointwiseRegularizer?: Regularizer;
  pointwiseConstraint?: Constraint;
}

export class HandmadeSeparableConv2D extends DepthwiseBase {
  static className = 'HandmadeSeparableConv2D';
  private pointwiseKernel: tfl.LayerVariable | null = null;
  /** pointwiseInitializer as given (tf.layers' SeparableConv2D reads depthwiseInitializer in its
   *  place), parsed and serialized by a private tf.layers.conv2d. */
  private readonly pointwiseInit: {parsed: Initializer; config: unknown};

  constructor(args: SeparableConvLayerArgs) {
    super(
      args,
      parseWith(args, (a) => tfl.layers.separableConv2d(a as SeparableConvLayerArgs)),
    );
    const spec = tfl.layers.conv2d({
      filters: 1,
      kernelSize: 1,
      kernelInitializer: args.pointwiseInitializer ?? 'glorotUniform',
      name: `${this.name}_pointwise`,
    });
    this.pointwiseInit = {
      parsed: (spec as unknown as {kernelInitializer: Initializer}).kernelInitializer,
      config: spec.getConfig().kernelInitializer,
    };
  }

  private get filters(): number {
    return this.conf.filters as number;
  }

  protected outChannels(): number {
    return this.filters;
  }

  build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inC = this.inChannels(shape);
    this.addDepthwiseKernel(inC);
    const p = this.parsed as DepthwiseInternals & PointwiseInternals;
    this.pointwiseKernel = this.addWeight(
      'pointwise_kernel',
      [1, 1, inC * this.depthMultiplier, this.filters],
      'float32',
      this.pointwiseInit.parsed,
      p.pointwiseRegularizer,
      true,
      p.pointwiseConstraint,
    );
    this.addBias(inC);
    this.finishBuild(inC);
  }

  call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const pointwise = this.pointwiseKernel;
    if (pointwise == null) throw new Error(`${this.name}: call() before the layer was built`);
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const z = this.depthwise(x, undefined, false);
      const y = fused.conv2d({
        x: z,
        filter: pointwise.read() as tf.Tensor4D,
        strides: 1,
        pad: 'valid',
        dataFormat: this.geometry.dataFormat,
        bias: this.bias?.read(),
        activation: fusedActivation(this.parsed.activation) ?? 'linear',
      });
      return this.activate(y);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      pointwiseInitializer: this.pointwiseInit.config,
    } as tf.serialization.ConfigDict;
  }
}
tf.serialization.registerClass(HandmadeSeparableConv2D);

/** The config of a private tf.layers.conv2d of these arguments: how tf.layers serializes an
 *  initializer or constraint given as its kernel's. */
function conv2dConfig(name: string, args: object): tf.serialization.ConfigDict {
  return tfl.layers
    .conv2d({filters: 1, kernelSize: 1, ...args, name: `${name}_serializer`})
    .getConfig();
}

/** The tf.layers layer `make` builds from args (less the base layer's keys), named after this
 *  layer so that it takes no name from tf.layers' counters. */
function parseWith(args: LayerArgs, make: (args: object) => tfl.layers.Layer): tfl.layers.Layer {
  const own: Record<string, unknown> = {...args};
  for (const k of BASE_KEYS) delete own[k];
  return make({...own, name: `${args.name ?? 'hm_depthwise'}_args`});
}

export function depthwiseConv2d(args: DepthwiseConv2DLayerArgs): HandmadeDepthwiseConv2D {
  return new HandmadeDepthwiseConv2D(args);
}

export function separableConv2d(args: SeparableConvLayerArgs): HandmadeSeparableConv2D {
  return new HandmadeSeparableConv2D(args);
}
