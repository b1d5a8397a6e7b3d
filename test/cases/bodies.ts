// The case bodies: one function per kind of case, run on whatever backend is active, in node
// (cpu) or in the browser (webgl). Each runs the registered kernels through the engine, compares
// them with the float64 reference, checks that no tensor leaked, and returns the errors it saw;
// it throws, naming the first bad element, if a kernel is off by more than rtol.

import * as tf from '@tensorflow/tfjs-core';

import {convGeometry, poolGeometry, sizeOf} from '../../kernels/geometry';
import * as names from '../../kernels/names';
import {
  conv2dBackpropFilterReference,
  conv2dBackpropInputReference,
  conv2dReference,
} from '../../kernels/reference/conv2d';
import {
  maxPoolGatherReference,
  maxPoolGradReference,
  maxPoolReference,
} from '../../kernels/reference/max_pool';
import {expectClose} from '../helpers/close';
import {distinct, uniform} from '../helpers/random';
import type {ConvCase, PoolCase} from './sweeps';

export interface CaseResult {
  /** relative error of each output against the reference */
  errors: Record<string, number>;
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap);

function checkNoLeak(before: number, label: string): void {
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${label}: ${after - before} tensors leaked`);
}

/** The three conv kernels against the reference. With `infinities` (flat indices into x),
 *  ±Infinity there (alternating signs): every output must then be non-finite exactly where the
 *  float64 reference is (Infinity, or NaN where infinities of both signs meet), and close
 *  elsewhere, so that no lane a kernel leaves out of a sum (padding, a missing tap, a column past
 *  the output) turns 0 * Infinity into NaN. */
export async function convCase(
  c: ConvCase,
  rtol: number,
  infinities: number[] = [],
): Promise<CaseResult> {
  const g = convGeometry(c.xShape, c.filterShape, c.attrs);
  const x = uniform(sizeOf(c.xShape), c.seed);
  infinities.forEach((i, k) => {
    x[i] = k % 2 === 0 ? Infinity : -Infinity;
  });
  const w = uniform(sizeOf(c.filterShape), c.seed + 1);
  const dy = uniform(sizeOf(g.outShape), c.seed + 2);
  const before = tf.memory().numTensors;
  const [xt, wt, dyt] = [
    tf.tensor(x, c.xShape),
    tf.tensor(w, c.filterShape),
    tf.tensor(dy, g.outShape),
  ];
  const outs = [
    run(names.HandmadeConv2D, {x: xt, filter: wt}, c.attrs),
    run(
      names.HandmadeConv2DBackpropInput,
      {dy: dyt, filter: wt},
      {...c.attrs, inputShape: c.xShape},
    ),
    run(
      names.HandmadeConv2DBackpropFilter,
      {x: xt, dy: dyt},
      {...c.attrs, filterShape: c.filterShape},
    ),
  ] as tf.Tensor[];
  const [y, dx, dW] = await Promise.all(outs.map((t) => t.data()));
  tf.dispose([xt, wt, dyt, ...outs]);
  checkNoLeak(before, c.name);
  return {
    errors: {
      y: expectClose(y, conv2dReference(x, w, g), g.outShape, rtol, 'y').relErr,
      dx: expectClose(dx, conv2dBackpropInputReference(dy, w, g), g.inShape, rtol, 'dx').relErr,
      dW: expectClose(dW, conv2dBackpropFilterReference(x, dy, g), g.filterShape, rtol, 'dW')
        .relErr,
    },
  };
}

export async function poolCase(c: PoolCase, rtol: number): Promise<CaseResult> {
  const g = poolGeometry(c.xShape, c.attrs);
  const x = distinct(sizeOf(c.xShape), c.seed);
  const dy = uniform(sizeOf(g.outShape), c.seed + 1);
  const v = uniform(sizeOf(c.xShape), c.seed + 2);
  const before = tf.memory().numTensors;
  const [xt, dyt, vt] = [tf.tensor(x, c.xShape), tf.tensor(dy, g.outShape), tf.tensor(v, c.xShape)];
  const [yt, argmaxt] = run(names.HandmadeMaxPool, {x: xt}, c.attrs) as tf.Tensor[];
  const dxt = run(
    names.HandmadeMaxPoolGrad,
    {dy: dyt, argmax: argmaxt},
    {...c.attrs, inputShape: c.xShape},
  ) as tf.Tensor;
  const gatheredt = run(
    names.HandmadeMaxPoolGather,
    {x: vt, argmax: argmaxt},
    c.attrs,
  ) as tf.Tensor;
  const valuest = run(names.HandmadeMaxPoolValues, {x: xt}, c.attrs) as tf.Tensor;
  const [y, argmax, dx, gathered, values] = await Promise.all(
    [yt, argmaxt, dxt, gatheredt, valuest].map((t) => t.data()),
  );
  tf.dispose([xt, dyt, vt, yt, argmaxt, dxt, gatheredt, valuest]);
  // HandmadeMaxPoolValues computes no argmax; its y is HandmadeMaxPool's, bit for bit.
  const differs = Array.from(values).findIndex((v, i) => !Object.is(v, y[i]));
  if (values.length !== y.length || differs >= 0) {
    throw new Error(
      `${c.name}: HandmadeMaxPoolValues differs from HandmadeMaxPool's y at ${differs}: ` +
        `${values[differs]} against ${y[differs]}`,
    );
  }
  checkNoLeak(before, c.name);
  const ref = maxPoolReference(x, g);
  return {
    errors: {
      y: expectClose(y, ref.y, g.outShape, rtol, 'y').relErr,
      argmax: expectClose(argmax, ref.argmax, g.outShape, 0, 'argmax').relErr,
      dx: expectClose(dx, maxPoolGradReference(dy, ref.argmax, g), g.inShape, rtol, 'dx').relErr,
      gathered: expectClose(
        gathered,
        maxPoolGatherReference(v, ref.argmax, g),
        g.outShape,
        rtol,
        'gathered',
      ).relErr,
    },
  };
}
