// The test page: tfjs, the plugin and the shared case bodies in one bundle, exposed on
// window.hmTest for test/browser/harness.ts to call.

import '../../src/index';

import * as tf from '@tensorflow/tfjs-core';

import * as behaviour from '../cases/behaviour';
import {convCase, poolCase} from '../cases/bodies';
import * as contracts from '../cases/contracts';
import {fusedCase} from '../cases/fused';
import {largePadFusedCase, largePadFusedTimings, largePadTimings} from '../cases/large_pads';
import {layersTrainCase, overrideCase} from '../cases/override';
import {specialValuesCase} from '../cases/special_values';
import type {PageApi, PageOptions} from './page_api';

async function setBackend(name: 'webgl' | 'cpu'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

window.hmTest = {
  async init(options: PageOptions) {
    // Read when the webgl backend is created, so it must be set before the first setBackend.
    if (options.float16) tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);
    await setBackend(options.backend);
    return {
      backend: tf.getBackend(),
      renderFloat32:
        options.backend === 'webgl' && tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
    };
  },
  setBackend,
  convCase,
  poolCase,
  fusedCase,
  specialValuesCase,
  largePadTimings,
  largePadFusedCase,
  largePadFusedTimings,
  overrideCase,
  layersTrainCase,
  kernelErrorCases: contracts.kernelErrorCases,
  emptyAxisCases: contracts.emptyAxisCases,
  overrideErrorCases: contracts.overrideErrorCases,
  overrideContractCases: contracts.overrideContractCases,
  ...behaviour,
} satisfies PageApi;
