// The fused activations, one whole GLSL function each: float activate(float v, float preluWeight).
// Comparisons are written `v < 0.0 ? ... : v` rather than max(): a NaN then passes through, as it
// does in the cpu kernel, instead of whatever the driver's max() does with it.

import type {Activation} from '../../names';

const ACTIVATIONS: Record<Activation, string> = {
  linear: 'float activate(float v, float preluWeight) { return v; }',
  relu: 'float activate(float v, float preluWeight) { return v < 0.0 ? 0.0 : v; }',
  relu6:
    'float activate(float v, float preluWeight) { return v < 0.0 ? 0.0 : (v > 6.0 ? 6.0 : v); }',
  elu: 'float activate(float v, float preluWeight) { return v < 0.0 ? exp(v) - 1.0 : v; }',
  leakyrelu:
    'float activate(float v, float preluWeight) { return v < 0.0 ? v * leakyreluAlpha : v; }',
  prelu: 'float activate(float v, float preluWeight) { return v < 0.0 ? v * preluWeight : v; }',
  sigmoid: 'float activate(float v, float preluWeight) { return 1.0 / (1.0 + exp(-v)); }',
};

export function activationGlsl(activation: Activation): string {
  const code = ACTIVATIONS[activation];
  if (code == null)
    throw new Error(`HandmadeFusedConv2D: unknown activation '${activation as string}'`);
  return code;
}
