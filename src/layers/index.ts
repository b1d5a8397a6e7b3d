// hm.layers: tf.layers drop-ins that run the handmade kernels. Importing this module registers
// their classes for serialization (tf.serialization.registerClass), so saved models that contain
// them load with tf.loadLayersModel.

export {conv2d, HandmadeConv2D} from './conv2d';
export type {HandmadeConv2DLayerArgs} from './conv2d';
export {maxPooling2d, HandmadeMaxPooling2D} from './max_pooling2d';
