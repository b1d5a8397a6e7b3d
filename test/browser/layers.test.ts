// The drop-in paths on webgl, in Chromium: an unmodified tf.layers model runs on the handmade
// kernels under hm.installAsBuiltins (tf.profile shows tfjs's kernel names; counters show the
// handmade kernels ran inside them) with the built-ins' predictions and gradients; and a model of
// hm.layers with a dilated and a grouped convolution trains.

import {BrowserPage, openPage} from './harness';

let page: BrowserPage;
beforeAll(async () => {
  page = await openPage({backend: 'webgl'});
});
afterAll(async () => {
  await page?.close();
});

const RAN = [
  'HandmadeConv2D',
  'HandmadeConv2DBackpropInput',
  'HandmadeConv2DBackpropFilter',
  'HandmadeFusedConv2D',
  'HandmadeMaxPool',
  'HandmadeMaxPoolGrad',
];

test('installAsBuiltins on webgl: a tf.layers model predicts and trains on the handmade kernels', async () => {
  const r = await page.call('overrideCase');
  for (const name of [
    'Conv2D',
    'Conv2DBackpropFilter',
    'FusedConv2D',
    'MaxPool',
    'MaxPoolGrad',
    'DepthwiseConv2dNative',
    'DepthwiseConv2dNativeBackpropInput',
    'DepthwiseConv2dNativeBackpropFilter',
  ]) {
    expect(r.profiled).toContain(name);
  }
  expect(r.profiled.filter((k) => k.startsWith('Handmade'))).toEqual([]);
  for (const name of RAN) expect({name, ran: r.counts[name] > 0}).toEqual({name, ran: true});
  const [prediction, ...grads] = r.diffs;
  expect(prediction).toBeLessThan(1e-4);
  grads.forEach((d) => expect(d).toBeLessThan(1e-3));
  expect(r.leaked).toBe(0);
});

test('a model of hm.layers with dilation, groups and a depthwise layer trains on webgl', async () => {
  const {losses, leaked} = await page.call('layersTrainCase');
  expect(losses[losses.length - 1]).toBeLessThan(0.7 * losses[0]);
  expect(leaked).toBe(0);
});
