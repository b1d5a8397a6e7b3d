// Kernel names and their Inputs/Attrs types. Every name carries the `Handmade` prefix so that
// tfjs's own kernels stay registered, untouched, as oracles.

export type Pair = [number, number];
export type ExplicitPadding = [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];
export type PadSpec = 'valid' | 'same' | number | ExplicitPadding;
export type DataFormat = 'NHWC' | 'NCHW';
export type RoundingMode = 'floor' | 'round' | 'ceil';
/** The fused convolution's activations, as tfjs's fused ops name them. */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'leakyrelu',
  'prelu',
  'sigmoid',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const HandmadeConv2D = 'HandmadeConv2D';
export const HandmadeConv2DBackpropInput = 'HandmadeConv2DBackpropInput';
export const HandmadeConv2DBackpropFilter = 'HandmadeConv2DBackpropFilter';
export const HandmadeFusedConv2D = 'HandmadeFusedConv2D';
export const HandmadeMaxPool = 'HandmadeMaxPool';
export const HandmadeMaxPoolGrad = 'HandmadeMaxPoolGrad';
export const HandmadeMaxPoolGather = 'HandmadeMaxPoolGather';
export const HandmadeMaxPoolValues = 'HandmadeMaxPoolValues';

export const KERNEL_NAMES = [
  HandmadeConv2D,
  HandmadeConv2DBackpropInput,
  HandmadeConv2DBackpropFilter,
  HandmadeFusedConv2D,
  HandmadeMaxPool,
  HandmadeMaxPoolGrad,
  HandmadeMaxPoolGather,
  HandmadeMaxPoolValues,
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

/** The attributes every convolution kernel shares (tfjs's Conv2DAttrs, dilations included). */
export interface ConvAttrs {
  strides: number | Pair;
  pad: PadSpec;
  dataFormat: DataFormat;
  dilations: number | Pair;
  dimRoundingMode?: RoundingMode;
}

/** inputs {x, filter}; output y. Filter [fh, fw, inC / groups, outC]. */
export type Conv2DAttrs = ConvAttrs;
/** inputs {dy, filter}; output dx of shape inputShape. */
export interface Conv2DBackpropInputAttrs extends ConvAttrs {
  inputShape: number[];
}
/** inputs {x, dy}; output dW of shape filterShape. */
export interface Conv2DBackpropFilterAttrs extends ConvAttrs {
  filterShape: number[];
}
/** inputs {x, filter, bias?, preluActivationWeights?}; output y. */
export interface FusedConv2DAttrs extends ConvAttrs {
  activation: Activation;
  leakyreluAlpha?: number;
}

/** The attributes every max-pool kernel shares. */
export interface PoolAttrs {
  filterSize: number | Pair;
  strides: number | Pair;
  pad: PadSpec;
  dimRoundingMode?: RoundingMode;
  dataFormat?: DataFormat;
  dilations?: number | Pair;
}
/** inputs {x}; outputs [y, argmax]. argmax (int32, y's shape) holds the window-local index
 *  wR * filterWidth + wC of the first maximum, or -1 where the window holds no number. */
export type MaxPoolAttrs = PoolAttrs;
/** inputs {x}; output y alone: HandmadeMaxPool's y, bit for bit, without computing the argmax
 *  (the job of tfjs's MaxPool, for inference; its gradient finds the argmax again). */
export type MaxPoolValuesAttrs = PoolAttrs;
/** inputs {dy, argmax}; output dx of shape inputShape: dy scattered to the argmax cells. */
export interface MaxPoolGradAttrs extends PoolAttrs {
  inputShape: number[];
}
/** inputs {x, argmax}; output of argmax's shape: x gathered at the argmax cells (the transpose
 *  of HandmadeMaxPoolGrad, and so its gradient with respect to dy). */
export type MaxPoolGatherAttrs = PoolAttrs;
