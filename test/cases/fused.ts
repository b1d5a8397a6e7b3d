// The fused convolution's case body and cases: y = act(conv2d(x, W) + bias) through
// HandmadeFusedConv2D, against the float64 reference convolution followed by the bias and the
// activation in float64. The cases reuse the conv sweep's geometries and cycle through every
// activation and every kind of bias (none, scalar, per channel, broadcast).

import * as tf from '@tensorflow/tfjs-core';

import {ConvGeometry, convGeometry, sizeOf} from '../../kernels/geometry';
import * as names from '../../kernels/names';
import {conv2dReference} from '../../kernels/reference/conv2d';
import {expectClose} from '../helpers/close';
import {uniform} from '../helpers/random';
import type {CaseResult} from './bodies';
import type {ConvCase} from './sweeps';

export interface FusedCase extends ConvCase {
  activation: names.Activation;
  leakyreluAlpha: number;
  biasShape: number[] | null;
  preluShape: number[] | null;
}

/** The operand shapes a fused op accepts, by kind: scalar, per channel (1-D, or with leading
 *  1s as tfjs-converter writes MediaPipe's PReLU weights), broadcast. */
function operandShape(kind: number, g: ConvGeometry): number[] | null {
  switch (kind % 5) {
    case 0:
      return null;
    case 1:
      return [1];
    case 2:
      return [g.outChannels];
    case 3: // per channel by numpy's rules, in the output's layout
      return g.dataFormat === 'NHWC' ? [1, 1, g.outChannels] : [1, g.outChannels, 1, 1];
    default: // numpy broadcast against the output, in its layout
      return g.dataFormat === 'NHWC'
        ? [g.outHeight, 1, g.outChannels]
        : [g.outChannels, g.outHeight, 1];
  }
}

/** c fused with `activation` and operands of these shapes (null: none), named after them. */
export function fusedCaseOf(
  c: ConvCase,
  activation: names.Activation,
  biasShape: number[] | null,
  preluShape: number[] | null,
): FusedCase {
  return {
    ...c,
    name:
      `${c.name} act=${activation} bias=${JSON.stringify(biasShape)}` +
      (preluShape ? ` prelu=${JSON.stringify(preluShape)}` : ''),
    activation,
    leakyreluAlpha: 0.15,
    biasShape,
    preluShape,
  };
}

export function fusedCases(base: ConvCase[]): FusedCase[] {
  return base.map((c, i) => {
    const g = convGeometry(c.xShape, c.filterShape, c.attrs);
    const activation = names.ACTIVATIONS[i % names.ACTIVATIONS.length];
    const preluShape = activation === 'prelu' ? (operandShape(i + 1, g) ?? [1]) : null;
    return fusedCaseOf(c, activation, operandShape(i, g), preluShape);
  });
}

/** An operand of `shape` expanded to the output's shape (float64), by the fused op's rules. */
export function expand(values: Float32Array, shape: number[], g: ConvGeometry): Float64Array {
  const out = g.outShape;
  const full = new Float64Array(sizeOf(out));
  const perChannel = shape.length === 1 && shape[0] === g.outChannels && values.length > 1;
  const padded = [...new Array(4 - shape.length).fill(1), ...shape];
  for (let i = 0; i < full.length; i++) {
    let rem = i;
    let src = 0;
    let stride = 1;
    for (let ax = 3; ax >= 0; ax--) {
      const coord = rem % out[ax];
      rem = (rem - coord) / out[ax];
      if (perChannel) {
        if (ax === (g.dataFormat === 'NHWC' ? 3 : 1)) src = coord;
      } else if (padded[ax] !== 1) {
        src += coord * stride;
      }
      stride *= padded[ax];
    }
    full[i] = values.length === 1 ? values[0] : values[src];
  }
  return full;
}

export function activate(
  v: number,
  c: Pick<FusedCase, 'activation' | 'leakyreluAlpha'>,
  prelu: number,
): number {
  switch (c.activation) {
    case 'linear':
      return v;
    case 'relu':
      return Math.max(v, 0);
    case 'relu6':
      return Math.min(Math.max(v, 0), 6);
    case 'elu':
      return v < 0 ? Math.exp(v) - 1 : v;
    case 'leakyrelu':
      return v < 0 ? v * c.leakyreluAlpha : v;
    case 'prelu':
      return v < 0 ? v * prelu : v;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
  }
}

export async function fusedCase(c: FusedCase, rtol: number): Promise<CaseResult> {
  const g = convGeometry(c.xShape, c.filterShape, c.attrs);
  const x = uniform(sizeOf(c.xShape), c.seed);
  const w = uniform(sizeOf(c.filterShape), c.seed + 1);
  const bias = c.biasShape && uniform(sizeOf(c.biasShape), c.seed + 3);
  const prelu = c.preluShape && uniform(sizeOf(c.preluShape), c.seed + 4);
  const before = tf.memory().numTensors;
  const inputs: tf.NamedTensorMap = {
    x: tf.tensor(x, c.xShape),
    filter: tf.tensor(w, c.filterShape),
  };
  if (bias) inputs.bias = tf.tensor(bias, c.biasShape!);
  if (prelu) inputs.preluActivationWeights = tf.tensor(prelu, c.preluShape!);
  const yt = tf.engine().runKernel(names.HandmadeFusedConv2D, inputs, {
    ...c.attrs,
    activation: c.activation,
    leakyreluAlpha: c.leakyreluAlpha,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const y = await yt.data();
  tf.dispose([yt, ...Object.values(inputs)]);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${c.name}: ${after - before} tensors leaked`);
  const expected = conv2dReference(x, w, g);
  const fullBias = bias && expand(bias, c.biasShape!, g);
  const fullPrelu = prelu && expand(prelu, c.preluShape!, g);
  for (let i = 0; i < expected.length; i++) {
    expected[i] = activate(
      expected[i] + (fullBias ? fullBias[i] : 0),
      c,
      fullPrelu ? fullPrelu[i] : 0,
    );
  }
  return {errors: {y: expectClose(y, expected, g.outShape, rtol, 'y').relErr}};
}
