// The node side of the browser suite: bundle test/browser/page.ts, open it in headless Chromium
// (src/browser/chromium.ts, the launcher the compare command uses too) and call the functions the
// page exposes. One browser per test file: open in beforeAll, close in afterAll. No Chromium or
// no WebGL2 context is a failure with instructions, never a skip.

import * as path from 'path';

import {bundleForBrowser, openChromiumPage} from '../../src/browser/chromium';
import type {PageApi, PageInfo, PageOptions} from './page_api';

let bundled: string | undefined;

export interface BrowserPage {
  info: PageInfo;
  call<K extends keyof PageApi>(
    name: K,
    ...args: Parameters<PageApi[K]>
  ): Promise<Awaited<ReturnType<PageApi[K]>>>;
  close(): Promise<void>;
}

export async function openPage(options: PageOptions): Promise<BrowserPage> {
  bundled ??= bundleForBrowser(path.join(__dirname, 'page.ts'));
  const {page, errors, close} = await openChromiumPage(bundled);
  try {
    const info = await page.evaluate((o) => window.hmTest.init(o), options);
    if (info.backend !== options.backend) {
      throw new Error(
        `the page runs on '${info.backend}', not '${options.backend}'` +
          (errors.length > 0 ? `: ${errors.join('; ')}` : ''),
      );
    }
    return {
      info,
      call: (name, ...args) =>
        page.evaluate(([n, a]) => (window.hmTest[n] as (...x: unknown[]) => unknown)(...a), [
          name,
          args,
        ] as [keyof PageApi, unknown[]]) as never,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
