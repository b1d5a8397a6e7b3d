// npm run build: every build of the package, from src/index.ts and whatever it imports.
//
//   dist/cjs/   CommonJS, one file per source file, with .d.ts types (tsc, tsconfig.build.json)
//   dist/esm/   ES modules, one .mjs per source file, with explicit relative specifiers so that
//               Node's ESM loader and bundlers both resolve them (esbuild)
//   dist/cjs/src/compare/compare_page.js
//               the compare command's browser page (tfjs bundled in: it runs alone in Chromium)
//   dist/tfjs-handmade.min.js
//               minified IIFE for a <script> tag placed after tfjs's own: no tfjs code inside,
//               every @tensorflow/* import reads the global `tf`; exposes one global, `hm`
//
// The @tensorflow/* packages are never bundled into dist/cjs or dist/esm: a second copy of
// tfjs-core would mean a second kernel registry.
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, rmSync, statSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const entry = join(root, 'src/index.ts');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const quiet = process.argv.includes('--quiet');
const log = (...a) => {
  if (!quiet) console.log(...a);
};

rmSync(dist, {recursive: true, force: true});

// 1. CommonJS + types.
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  {stdio: 'inherit', cwd: root},
);

// 2. ESM. First find every source file the entry reaches, then transform each on its own,
//    keeping packages external and rewriting relative imports to the emitted .mjs files.
const graph = await esbuild.build({
  entryPoints: [entry],
  bundle: true,
  write: false,
  metafile: true,
  packages: 'external',
  platform: 'neutral',
  format: 'esm',
  logLevel: 'silent',
});
const sources = Object.keys(graph.metafile.inputs)
  .map((p) => resolve(root, p))
  .filter((p) => /\.ts$/.test(p) && !p.endsWith('.d.ts'));

function resolveSource(fromDir, spec) {
  const base = resolve(fromDir, spec);
  for (const c of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  throw new Error(`build: cannot resolve ${spec} from ${fromDir}`);
}

const perFile = {
  name: 'per-file',
  setup(build) {
    build.onResolve({filter: /.*/}, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (!args.path.startsWith('.')) return {path: args.path, external: true};
      const target = resolveSource(args.resolveDir, args.path);
      let spec = relative(dirname(args.importer), target)
        .split('\\')
        .join('/')
        .replace(/\.ts$/, '.mjs');
      if (!spec.startsWith('.')) spec = `./${spec}`;
      return {path: spec, external: true};
    });
  },
};
await esbuild.build({
  entryPoints: sources,
  bundle: true,
  outbase: root,
  outdir: join(dist, 'esm'),
  outExtension: {'.js': '.mjs'},
  format: 'esm',
  platform: 'neutral',
  target: 'es2020',
  plugins: [perFile],
  logLevel: 'warning',
});

// 3. The script-tag bundle.
const tfGlobal = {
  name: 'tf-global',
  setup(build) {
    build.onResolve({filter: /^@tensorflow\//}, (args) => ({
      path: args.path,
      namespace: 'tf-global',
    }));
    build.onLoad({filter: /.*/, namespace: 'tf-global'}, () => ({
      contents:
        "if (typeof globalThis.tf !== 'object' || globalThis.tf === null) {\n" +
        "  throw new Error('tfjs-handmade: load TensorFlow.js (tf.min.js) before tfjs-handmade.min.js');\n}\n" +
        'module.exports = globalThis.tf;\n',
      loader: 'js',
    }));
  },
};
const iife = join(dist, 'tfjs-handmade.min.js');
const bundle = await esbuild.build({
  entryPoints: [entry],
  bundle: true,
  outfile: iife,
  format: 'iife',
  globalName: 'hm',
  platform: 'browser',
  target: 'es2017',
  minify: true,
  metafile: true,
  plugins: [tfGlobal],
  banner: {
    js: `/* ${pkg.name} ${pkg.version} | ${pkg.license} | needs tf (TensorFlow.js ${pkg.peerDependencies['@tensorflow/tfjs-core']}) loaded first */`,
  },
  logLevel: 'warning',
});
const leaked = Object.keys(bundle.metafile.inputs).filter((p) => p.includes('node_modules'));
if (leaked.length > 0)
  throw new Error(`build: the IIFE bundle took in package code: ${leaked.join(', ')}`);

// 4. The page the compare command opens in Chromium for its webgl column: tfjs and the plugin in
//    one bundle, next to the compiled src/compare/browser.js, which loads it.
await esbuild.build({
  entryPoints: [join(root, 'src/compare/page.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  ignoreAnnotations: true,
  outfile: join(dist, 'cjs/src/compare/compare_page.js'),
  logLevel: 'warning',
});

const raw = statSync(iife).size;
const gz = gzipSync(readFileSync(iife), {level: 9}).length;
log(`dist/cjs: ${sources.length} modules + types; dist/esm: ${sources.length} modules`);
log(`dist/tfjs-handmade.min.js: ${raw} bytes, ${gz} gzipped`);
