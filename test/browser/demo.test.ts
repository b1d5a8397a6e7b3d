// The web demo end to end: build it and serve it with esbuild (examples/web/serve.ts) on a free
// port, open it in headless Chromium (the project's launcher, SwiftShader's WebGL2), let it run a
// short training, the timing and hm.compare, and check what a person would look at: the loss fell,
// the canvases hold pictures, the compare table has rows and none failed, the timing has numbers,
// and a digit drawn with the mouse gets a prediction. No Chromium or WebGL2 is a failure.
//
// The screenshot goes to a temporary file, or to examples/web/screenshot.png (the README's) with
// UPDATE_SCREENSHOT=1.

import * as os from 'os';
import * as path from 'path';
import type {Browser, Page} from 'playwright-core';

import type {DemoState} from '../../examples/web/main';
import {DemoServer, serveDemo} from '../../examples/web/serve';
import {launchChromium} from '../../src/browser/chromium';

const STEPS = 40;
const BATCH = 16;
const SCREENSHOT =
  process.env.UPDATE_SCREENSHOT === '1'
    ? path.join(__dirname, '../../examples/web/screenshot.png')
    : path.join(os.tmpdir(), `tfjs-handmade-demo-${process.pid}.png`);

let server: DemoServer | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];
let state: DemoState;

beforeAll(async () => {
  server = await serveDemo({port: 0});
  browser = await launchChromium();
  page = await browser.newPage({viewport: {width: 1280, height: 900}});
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}?steps=${STEPS}&batch=${BATCH}&timeSteps=2&repeats=1`);
  await page.waitForFunction(() => window.demo?.done === true, undefined, {
    timeout: 240000,
    polling: 500,
  });
  state = await page.evaluate(() => window.demo);
}, 300000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Pixels of a canvas: how many are neither transparent nor its background, how many distinct
 *  colours, and how many are near a given colour. */
function canvasStats(id: string, near?: [number, number, number]) {
  return page.evaluate(
    ([canvasId, colour]) => {
      const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
      const {data} = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const background = `${data[0]},${data[1]},${data[2]},${data[3]}`;
      const colours = new Set<string>();
      let ink = 0;
      let nearColour = 0;
      for (let i = 0; i < data.length; i += 4) {
        const key = `${data[i]},${data[i + 1]},${data[i + 2]},${data[i + 3]}`;
        colours.add(key);
        if (data[i + 3] > 0 && key !== background) ink++;
        if (
          colour != null &&
          Math.abs(data[i] - colour[0]) +
            Math.abs(data[i + 1] - colour[1]) +
            Math.abs(data[i + 2] - colour[2]) <
            60
        )
          nearColour++;
      }
      return {ink, colours: colours.size, nearColour, pixels: data.length / 4};
    },
    [id, near ?? null] as const,
  );
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('the page trains on webgl without an error, and the loss falls', () => {
  expect(state.error).toBeNull();
  expect(pageErrors).toEqual([]);
  expect(state.backend).toBe('webgl');
  expect(state.trainingDone).toBe(true);
  expect(state.losses).toHaveLength(STEPS);
  const first = mean(state.losses.slice(0, 8));
  const last = mean(state.losses.slice(-8));
  console.log(
    `demo: loss ${first.toFixed(3)} -> ${last.toFixed(3)} (mean of 8 steps) in ${STEPS} ` +
      `steps of ${BATCH}; held-out accuracy ${state.heldOutAccuracy}; ` +
      `${mean(state.msPerStep.slice(1)).toFixed(0)} ms per step`,
  );
  expect(last).toBeLessThan(0.8 * first);
  expect(state.heldOutAccuracy).toBeGreaterThan(0.3);
});

test('the loss curve, the filters and the feature maps are drawn', async () => {
  const curves = await canvasStats('curves', [214, 69, 65]); // the loss line's colour
  expect(curves.nearColour).toBeGreaterThan(200);
  for (const id of ['filters', 'maps1', 'maps2', 'digit']) {
    const s = await canvasStats(id);
    expect({id, drawn: s.ink > s.pixels / 20 && s.colours > 20}).toEqual({id, drawn: true});
  }
  expect(state.digitPrediction).not.toBeNull();
});

test('hm.compare in the page: rows on webgl and cpu, none failing', async () => {
  const rows = state.compareRows!;
  expect(rows.length).toBeGreaterThan(0);
  expect(new Set(rows.map((r) => r.backend))).toEqual(new Set(['webgl', 'cpu']));
  expect(
    rows.filter((r) => !r.ok).map((r) => `${r.backend} ${r.kernel} ${r.case}: ${r.note}`),
  ).toEqual([]);
  const shown = await page.$$eval('#compare-table tbody tr', (trs) => trs.length);
  expect(shown).toBe(rows.length / 2);
  const okCells = await page.$$eval('#compare-table td.ok', (tds) => tds.length);
  expect(okCells).toBe(rows.length);
});

test('the handmade and built-in step times are numbers', async () => {
  const timing = state.timing!;
  expect(timing.map((r) => r.variant)).toEqual(['handmade', 'builtins', 'tfjs']);
  for (const r of timing) {
    expect(Number.isFinite(r.trainMs) && r.trainMs > 0).toBe(true);
    expect(Number.isFinite(r.predictMs) && r.predictMs > 0).toBe(true);
  }
  console.log(
    `demo: ms per training step ${timing
      .map((r) => `${r.variant} ${r.trainMs.toFixed(0)}`)
      .join(', ')}`,
  );
  const cells = await page.$$eval('#timing tbody td:nth-child(2)', (tds) =>
    tds.map((t) => t.textContent),
  );
  expect(cells).toHaveLength(3);
  for (const c of cells) expect(Number(c)).toBeGreaterThan(0);
});

test('a digit drawn with the mouse gets class probabilities', async () => {
  await page.locator('#draw').scrollIntoViewIfNeeded();
  const box = (await page.locator('#draw').boundingBox())!;
  const at = (x: number, y: number) => [box.x + x * box.width, box.y + y * box.height] as const;
  // a 7: the bar, then the stroke down to the left
  await page.mouse.move(...at(0.25, 0.2));
  await page.mouse.down();
  await page.mouse.move(...at(0.75, 0.2), {steps: 8});
  await page.mouse.move(...at(0.45, 0.85), {steps: 12});
  await page.mouse.up();
  await page.waitForFunction(() => window.demo.drawPrediction != null, undefined, {timeout: 20000});
  const {probs} = (await page.evaluate(() => window.demo.drawPrediction))!;
  expect(probs).toHaveLength(10);
  expect(Math.abs(probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-3);
  expect((await canvasStats('seen')).ink).toBeGreaterThan(30);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({path: SCREENSHOT, fullPage: true});
  console.log(`demo: screenshot at ${SCREENSHOT}`);
});
