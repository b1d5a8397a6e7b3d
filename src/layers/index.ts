// hm.layers: tf.layers drop-ins that run the handmade kernels. Importing this module registers
// their classes (classNames 'HandmadeConv2D', 'HandmadeDepthwiseConv2D',
// 'HandmadeSeparableConv2D', 'HandmadeMaxPooling2D') with
// tf.serialization.registerClass, so models that contain them save and load like any model.
//
// Saving in node without tfjs-node (no file:// handler): save through
// tf.io.withSaveHandler(async (artifacts) => ...) and load the artifacts back with
// tf.loadLayersModel(tf.io.fromMemory(artifacts)); artifacts.modelTopology is plain JSON and
// artifacts.weightData an ArrayBuffer, so writing them to model.json / weights.bin and reading
// them back is all a file handler would do. test/layers/layers.test.ts round-trips this way
// (through JSON text) and checks the predictions are identical.

export type {HandmadeConv2DLayerArgs} from './conv2d';
export {conv2d, HandmadeConv2D} from './conv2d';
export {
  depthwiseConv2d,
  HandmadeDepthwiseConv2D,
  HandmadeSeparableConv2D,
  separableConv2d,
} from './depthwise';
export {HandmadeMaxPooling2D, maxPooling2d} from './max_pooling2d';
