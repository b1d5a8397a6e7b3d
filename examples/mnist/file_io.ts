// A file handler for tf.io in node without tfjs-node (which supplies file://): model.json holds
// the topology and the weight manifest, weights.bin the weights, as tfjs-node would write them.

import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';

export function fileHandler(dir: string): tf.io.IOHandler {
  const jsonPath = path.join(dir, 'model.json');
  const weightsPath = path.join(dir, 'weights.bin');
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      fs.mkdirSync(dir, {recursive: true});
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      fs.writeFileSync(weightsPath, Buffer.from(weightData));
      fs.writeFileSync(
        jsonPath,
        JSON.stringify({
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy,
          weightsManifest: [{paths: ['weights.bin'], weights: artifacts.weightSpecs}],
        }),
      );
      return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
      const bytes = fs.readFileSync(weightsPath);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: new Uint8Array(bytes).buffer,
      };
    },
  };
}
