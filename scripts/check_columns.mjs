// npm run lint's check of the AssemblyScript sources' line lengths (kernels/simd/assembly/, which
// neither Prettier nor ESLint's TypeScript parser reads: decorators on functions are not
// TypeScript): no line past 100 columns, counted in characters. Prints each long line and exits 1
// if any.
//
//   node scripts/check_columns.mjs

import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';

const COLUMNS = 100;
const files = execFileSync('git', ['ls-files', 'kernels/simd/assembly'], {encoding: 'utf8'})
  .split('\n')
  .filter((f) => f.endsWith('.ts'));
let long = 0;
for (const file of files) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const columns = [...line].length;
      if (columns > COLUMNS) {
        long++;
        console.log(`${file}:${i + 1}: ${columns} columns`);
      }
    });
}
if (long > 0) {
  console.log(`${long} lines past ${COLUMNS} columns`);
  process.exit(1);
}
