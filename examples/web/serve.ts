// Builds the web demo (examples/web/main.ts with tfjs, the plugin and the mnist package's digits in
// one bundle) and serves it with esbuild's own server: the bundle from memory, index.html and
// style.css from this folder. Nothing is fetched from the network, by the build or by the page.
//
//   npm run demo                 (http://127.0.0.1:8000/, or the next free port)
//   PORT=9000 HOST=0.0.0.0 npm run demo
//
// The end-to-end test (test/browser/demo.test.ts) calls serveDemo() with port 0.

import * as esbuild from 'esbuild';
import * as path from 'path';

export interface DemoServer {
  url: string;
  stop(): Promise<void>;
}

export async function serveDemo(options: {host?: string; port?: number} = {}): Promise<DemoServer> {
  const ctx = await esbuild.context({
    entryPoints: [path.join(__dirname, 'main.ts')],
    bundle: true,
    outdir: __dirname,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    // tfjs's packages mark themselves free of side effects, but their entry points register
    // backends and kernels: keep every import the code names (as src/browser/chromium.ts does).
    ignoreAnnotations: true,
    logLevel: 'warning',
  });
  try {
    // A first build here, so a broken bundle fails now rather than as a blank page.
    await ctx.rebuild();
    const host = options.host ?? '127.0.0.1';
    // No port given: esbuild takes 8000, or the next free one.
    const served = await ctx.serve({servedir: __dirname, host, port: options.port});
    return {url: `http://${host}:${served.port}/`, stop: () => ctx.dispose()};
  } catch (e) {
    await ctx.dispose();
    throw e;
  }
}

if (require.main === module) {
  serveDemo({host: process.env.HOST, port: process.env.PORT ? Number(process.env.PORT) : undefined})
    .then(({url}) => console.log(`tfjs-handmade web demo: ${url}  (Ctrl-C to stop)`))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
