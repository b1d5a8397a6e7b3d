// The functions the test page puts on `window.hmTest`, shared as types by the page and jest.

import type * as behaviour from '../cases/behaviour';
import type * as bodies from '../cases/bodies';
import type * as contracts from '../cases/contracts';
import type * as fused from '../cases/fused';
import type * as largePads from '../cases/large_pads';
import type * as override from '../cases/override';
import type * as specialValues from '../cases/special_values';

export interface PageOptions {
  backend: 'webgl' | 'cpu';
  /** Force float16 textures (WEBGL_FORCE_F16_TEXTURES) before the webgl backend is created. */
  float16?: boolean;
}

export interface PageInfo {
  backend: string;
  renderFloat32: boolean;
}

export interface PageApi {
  init(options: PageOptions): Promise<PageInfo>;
  setBackend(name: 'webgl' | 'cpu'): Promise<void>;
  convCase: typeof bodies.convCase;
  poolCase: typeof bodies.poolCase;
  fusedCase: typeof fused.fusedCase;
  specialValuesCase: typeof specialValues.specialValuesCase;
  largePadTimings: typeof largePads.largePadTimings;
  largePadFusedCase: typeof largePads.largePadFusedCase;
  largePadFusedTimings: typeof largePads.largePadFusedTimings;
  overrideCase: typeof override.overrideCase;
  layersTrainCase: typeof override.layersTrainCase;
  repeatConvCase: typeof behaviour.repeatConvCase;
  repeatPoolCase: typeof behaviour.repeatPoolCase;
  leakChecks: typeof behaviour.leakChecks;
  builtinConvCase: typeof behaviour.builtinConvCase;
  builtinPoolCase: typeof behaviour.builtinPoolCase;
  tieGradients: typeof behaviour.tieGradients;
  specialValuesPoolCase: typeof behaviour.specialValuesPoolCase;
  infinityRoundTrip: typeof behaviour.infinityRoundTrip;
  packedInputsCase: typeof behaviour.packedInputsCase;
  textureShapesCase: typeof behaviour.textureShapesCase;
  pointwiseBlocksCase: typeof behaviour.pointwiseBlocksCase;
  dirtyPaddingCase: typeof behaviour.dirtyPaddingCase;
  dirtyPaddingPoolCase: typeof behaviour.dirtyPaddingPoolCase;
  kernelErrorCases: typeof contracts.kernelErrorCases;
  emptyAxisCases: typeof contracts.emptyAxisCases;
  overrideErrorCases: typeof contracts.overrideErrorCases;
  overrideContractCases: typeof contracts.overrideContractCases;
}

declare global {
  interface Window {
    hmTest: PageApi;
  }
}
