// The table is complete and closed: every row has a kernel on every backend, and every gradient
// calls only kernels that are rows of the table.

import {BACKENDS, KERNEL_TABLE} from '../src/kernel_table';
import {KERNEL_NAMES} from '../kernels/names';

const ROWS = KERNEL_TABLE.map((row) => [row.kernelName, row] as const);

test('the backends are cpu and webgl', () => {
  expect([...BACKENDS].sort()).toEqual(['cpu', 'webgl']);
});

test('every kernel name is a row, once', () => {
  expect(KERNEL_TABLE.map((row) => row.kernelName).sort()).toEqual([...KERNEL_NAMES].sort());
});

test.each(ROWS)('%s has a kernel on every backend', (_, row) => {
  for (const backend of BACKENDS) expect(typeof row.backends[backend]).toBe('function');
  expect(Object.keys(row.backends).sort()).toEqual([...BACKENDS].sort());
});

test.each(ROWS)('%s: its gradient belongs to it and calls only table rows', (name, row) => {
  expect(row.gradient.kernelName).toBe(name);
  const names = new Set(KERNEL_TABLE.map((r) => r.kernelName));
  for (const called of row.gradientCalls) expect(names.has(called)).toBe(true);
});
