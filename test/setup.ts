// IS_TEST turns on the engine's own check that no kernel leaks a data id, and quiets tfjs's
// advice to install tfjs-node.
import * as tf from '@tensorflow/tfjs-core';

tf.env().set('IS_TEST', true);
