// hm.layers.maxPooling2d: a drop-in for tf.layers.maxPooling2d that runs hm.maxPool, natively in
// either layout (channelsFirst pools NCHW with no transposes). Its arguments are parsed by a
// private tf.layers.maxPooling2d (never applied), so defaults (strides = poolSize) and config keys
// are tfjs-layers' own.

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {Shape} from '@tensorflow/tfjs-layers/dist/keras_format/common';
import type {Pooling2DLayerArgs} from '@tensorflow/tfjs-layers/dist/layers/pooling';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {poolGeometry} from '../../kernels/geometry';
import type {DataFormat, Pair} from '../../kernels/names';
import {maxPool} from '../ops';

const fmt = (shape: ReadonlyArray<number | null>) => `[${shape.join(',')}]`;

export class HandmadeMaxPooling2D extends tfl.layers.Layer {
  static className = 'HandmadeMaxPooling2D';
  private readonly conf: tf.serialization.ConfigDict;

  constructor(args: Pooling2DLayerArgs = {}) {
    super(args);
    const {poolSize, strides, padding, dataFormat} = args;
    const spec = tfl.layers.maxPooling2d({
      poolSize,
      strides,
      padding,
      dataFormat,
      name: `${this.name}_args`,
    });
    const {poolSize: p, strides: s, padding: pad, dataFormat: df} = spec.getConfig();
    this.conf = {poolSize: p, strides: s, padding: pad, dataFormat: df};
    this.inputSpec = [{ndim: 4}];
  }

  private get dataFormat(): DataFormat {
    return this.conf.dataFormat === 'channelsFirst' ? 'NCHW' : 'NHWC';
  }
  private get poolSize(): Pair {
    return this.conf.poolSize as Pair;
  }
  private get strides(): Pair {
    return this.conf.strides as Pair;
  }
  private get padding(): 'same' | 'valid' {
    return this.conf.padding as 'same' | 'valid';
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (shape.length !== 4) {
      throw new Error(
        `hm.layers.maxPooling2d (${this.name}): expects a rank-4 input, got ` +
          `input shape ${fmt(shape)}`,
      );
    }
    const nchw = this.dataFormat === 'NCHW';
    const [h, w] = nchw ? [shape[2], shape[3]] : [shape[1], shape[2]];
    const c = shape[nchw ? 1 : 3];
    let outH: number | null = null;
    let outW: number | null = null;
    if (h != null && w != null) {
      const g = poolGeometry(nchw ? [1, 1, h, w] : [1, h, w, 1], {
        filterSize: this.poolSize,
        strides: this.strides,
        pad: this.padding,
        dataFormat: this.dataFormat,
      });
      [outH, outW] = [g.outHeight, g.outWidth];
    }
    return nchw ? [shape[0], c, outH, outW] : [shape[0], outH, outW, c];
  }

  call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return maxPool(x, this.poolSize, this.strides, this.padding, undefined, this.dataFormat);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return {...this.conf, ...super.getConfig()};
  }
}
tf.serialization.registerClass(HandmadeMaxPooling2D);

export function maxPooling2d(args: Pooling2DLayerArgs = {}): HandmadeMaxPooling2D {
  return new HandmadeMaxPooling2D(args);
}
