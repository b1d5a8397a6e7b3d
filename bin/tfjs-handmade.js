#!/usr/bin/env node
// The command line: `tfjs-handmade compare ...`. In a checkout it runs the TypeScript sources
// (through ts-node, a dev dependency); in an installed package, the built JavaScript.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
let cli;
if (fs.existsSync(path.join(root, 'src', 'compare', 'cli.ts'))) {
  require('ts-node').register({transpileOnly: true, project: path.join(root, 'tsconfig.json')});
  cli = require(path.join(root, 'src', 'compare', 'cli.ts'));
} else {
  cli = require(path.join(root, 'dist', 'cjs', 'src', 'compare', 'cli.js'));
}
cli
  .main(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
  })
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`tfjs-handmade: ${error && error.stack ? error.stack : error}\n`);
      process.exitCode = 1;
    },
  );
