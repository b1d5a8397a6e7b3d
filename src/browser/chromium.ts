// Opening a page in headless Chromium with WebGL2, for the comparison command and the browser
// tests alike: Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium) driven by
// playwright-core, WebGL2 on SwiftShader, so no GPU is needed. No Chromium, or no WebGL2 context,
// is an error that says how to install one.

import * as fs from 'fs';
import type {Browser, Page} from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const INSTALL_HINT =
  'Install Chromium with `apt-get install -y chromium` (as root), or set ' +
  'CHROMIUM_PATH to a Chromium or Chrome binary.';

// Headless with SwiftShader: WebGL2 in software, the same on every machine. playwright-core adds
// its own --headless; the explicit --headless=new comes later on the command line and wins. The
// network flags keep Chromium from reaching for hosts a closed machine does not have.
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Bundles a browser entry point (TypeScript) with tfjs and everything it imports into one IIFE. */
export function bundleForBrowser(entry: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const result = esbuild.buildSync({
    entryPoints: [entry],
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
  return result.outputFiles[0].text;
}

export interface ChromiumPage {
  page: Page;
  /** uncaught errors the page has thrown so far */
  errors: string[];
  close(): Promise<void>;
}

/** Launches Chromium with CHROMIUM_ARGS and checks that a page gets a WebGL2 context; the caller
 *  closes the browser. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(`No Chromium at ${CHROMIUM_PATH}. ${INSTALL_HINT}`);
  const {chromium} = await import('playwright-core');
  let browser: Browser;
  try {
    browser = await chromium.launch({executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS});
  } catch (e) {
    throw new Error(
      `Chromium at ${CHROMIUM_PATH} did not start (${(e as Error).message}). ${INSTALL_HINT}`,
    );
  }
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    const webgl2 = await page.evaluate(
      () => document.createElement('canvas').getContext('webgl2') != null,
    );
    await page.close();
    if (!webgl2) {
      throw new Error(
        `Chromium at ${CHROMIUM_PATH} gives no WebGL2 context (flags: ` +
          `${CHROMIUM_ARGS.join(' ')}). ${INSTALL_HINT}`,
      );
    }
    return browser;
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/** Launches Chromium, checks for WebGL2, and loads `script` into a blank page. */
export async function openChromiumPage(script: string): Promise<ChromiumPage> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({content: script});
    return {page, errors, close: () => browser.close()};
  } catch (e) {
    await browser.close();
    throw e;
  }
}
