// The browser side of the compare command: webgl, and the cpu backend inside Chromium (reported
// as 'browser-cpu'), measured by hm.compare in a page of headless Chromium.

import * as fs from 'fs';
import * as path from 'path';

import {bundleForBrowser, openChromiumPage} from '../browser/chromium';
import type {CompareRow} from './compare';
import type {PageCompareOptions} from './page';

/** The page bundle: prebuilt next to the compiled module in a package, else built from source. */
function pageScript(): string {
  const prebuilt = path.join(__dirname, 'compare_page.js');
  if (fs.existsSync(prebuilt)) return fs.readFileSync(prebuilt, 'utf8');
  const source = path.join(__dirname, 'page.ts');
  try {
    return bundleForBrowser(source);
  } catch (e) {
    throw new Error(
      `the browser backends need the page bundle: building ${source} failed ` +
        `(${(e as Error).message}); esbuild and playwright-core must be installed`,
    );
  }
}

const inPage = (backend: string) => (backend === 'browser-cpu' ? 'cpu' : backend);
const reported = (backend: string) => (backend === 'cpu' ? 'browser-cpu' : backend);

export async function compareInBrowser(
  options: PageCompareOptions,
  onRow: (r: CompareRow, done: number, total: number) => void,
): Promise<CompareRow[]> {
  const {page, errors, close} = await openChromiumPage(pageScript());
  try {
    await page.exposeFunction('hmCompareRow', (row: CompareRow, done: number, total: number) =>
      onRow({...row, backend: reported(row.backend)}, done, total),
    );
    const rows = await page
      .evaluate((o) => window.hmCompare.run(o), {
        ...options,
        backends: options.backends.map(inPage),
      })
      .catch((e: Error) => {
        throw new Error(
          `${e.message}${errors.length > 0 ? ` (page errors: ${errors.join('; ')})` : ''}`,
        );
      });
    return rows.map((r) => ({...r, backend: reported(r.backend)}));
  } finally {
    await close();
  }
}
