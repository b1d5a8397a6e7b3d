import * as tf from '@tensorflow/tfjs-core';
import '../src/index';
(window as any).tf = tf;
