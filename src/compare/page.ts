// The page the compare command opens in headless Chromium: tfjs (cpu and webgl backends), the
// plugin and hm.compare in one bundle, exposed as window.hmCompare. Rows stream back through
// window.hmCompareRow (set by the command) as they are measured.

import '../index';

import type {CompareCase} from './cases';
import {compare, CompareRow} from './compare';

export interface PageCompareOptions {
  backends: string[];
  cases: 'quick' | 'full' | CompareCase[];
  repeats: number;
}

declare global {
  interface Window {
    hmCompare: {run(options: PageCompareOptions): Promise<CompareRow[]>};
    hmCompareRow?: (row: CompareRow, done: number, total: number) => Promise<void>;
  }
}

window.hmCompare = {
  run: (options) =>
    compare({
      ...options,
      onRow: (row, done, total) => {
        void window.hmCompareRow?.(row, done, total);
      },
    }),
};
