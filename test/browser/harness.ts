// The node side of the browser suite: bundle test/browser/page.ts with esbuild, open it in
// Debian's Chromium through playwright-core (WebGL2 on SwiftShader, no GPU needed), and call the
// functions the page exposes. One browser per test file: open in beforeAll, close in afterAll.
// No Chromium or no WebGL2 context is a failure with instructions, never a skip.

import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import {Browser, chromium, Page} from 'playwright-core';
import type {PageApi, PageInfo, PageOptions} from './page_api';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const INSTALL = `Install Chromium with \`apt-get install -y chromium\` (as root), or set CHROMIUM_PATH ` +
    `to a Chromium or Chrome binary.`;

// Headless with SwiftShader: WebGL2 in software, the same on every machine. playwright-core adds
// its own --headless; the explicit --headless=new comes later on the command line and wins.
const ARGS = [
  '--headless=new', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic',
];

let bundled: string | undefined;

function bundle(): string {
  if (bundled != null) return bundled;
  const result = esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'page.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    // tfjs's packages mark themselves free of side effects, but their entry points register
    // backends and kernels: keep every import that the code names.
    ignoreAnnotations: true,
    logLevel: 'silent',
  });
  bundled = result.outputFiles[0].text;
  return bundled;
}

export interface BrowserPage {
  info: PageInfo;
  call<K extends keyof PageApi>(name: K, ...args: Parameters<PageApi[K]>):
      Promise<Awaited<ReturnType<PageApi[K]>>>;
  close(): Promise<void>;
}

export async function openPage(options: PageOptions): Promise<BrowserPage> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}. ${INSTALL}`);
  }
  const code = bundle();
  let browser: Browser;
  try {
    browser = await chromium.launch({executablePath: CHROMIUM_PATH, args: ARGS});
  } catch (e) {
    throw new Error(`Chromium at ${CHROMIUM_PATH} did not start (${(e as Error).message}). ${INSTALL}`);
  }
  const errors: string[] = [];
  try {
    const page: Page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent('<!doctype html><html><body></body></html>');
    const webgl2 = await page.evaluate(
        () => document.createElement('canvas').getContext('webgl2') != null);
    if (!webgl2) {
      throw new Error(`Chromium at ${CHROMIUM_PATH} gives no WebGL2 context (flags: ` +
                      `${ARGS.join(' ')}). ${INSTALL}`);
    }
    await page.addScriptTag({content: code});
    const info = await page.evaluate((o) => window.hmTest.init(o), options);
    if (info.backend !== options.backend) {
      throw new Error(`the page runs on '${info.backend}', not '${options.backend}'` +
                      (errors.length > 0 ? `: ${errors.join('; ')}` : ''));
    }
    return {
      info,
      call: (name, ...args) => page.evaluate(
          ([n, a]) => (window.hmTest[n] as (...x: unknown[]) => unknown)(...a),
          [name, args] as [keyof PageApi, unknown[]]) as never,
      close: () => browser.close(),
    };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
