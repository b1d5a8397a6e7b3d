// cpu's Add under installAsBuiltins: a vector broadcast along one axis of the other operand (the
// bias add of tf.layers' depthwise layers) runs the handmade kernel, bit for bit tfjs's result,
// special values included; every other Add runs tfjs's own kernel.

import * as tf from '@tensorflow/tfjs-core';

import {addAlongAxis, axisBroadcast} from '../../kernels/cpu/add_along_axis';
import * as hm from '../../src';
import {uniform} from '../helpers/random';

beforeAll(() => tf.setBackend('cpu'));
afterEach(() => hm.uninstallBuiltins());

const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 3.4e38, -3.4e38, 1e-45, 1];

/** Seeded values with special values spread through them. */
function values(size: number, seed: number): Float32Array {
  const v = uniform(size, seed);
  for (let i = 0; i < size; i += 7) v[i] = SPECIAL[(i / 7 + seed) % SPECIAL.length];
  return v;
}

/** The Add of a and b run on the cpu backend now, and whether tfjs's own kernel answered. */
function add(aShape: number[], bShape: number[], aDtype: 'float32' | 'int32' = 'float32') {
  const tfjsAdd = tf.getKernel('Add', 'cpu')!;
  const sizeOf = (s: number[]) => s.reduce((p, d) => p * d, 1);
  const a = tf.tensor(values(sizeOf(aShape), 1), aShape, aDtype);
  const b = tf.tensor(values(sizeOf(bShape), 2), bShape, aDtype);
  const out = tf.add(a, b);
  const result = {shape: out.shape, dtype: out.dtype, data: out.dataSync(), kernel: tfjsAdd};
  tf.dispose([a, b, out]);
  return result;
}

/** Both Adds, tfjs's alone and under the override; and how often tfjs's kernel answered then. */
function both(aShape: number[], bShape: number[], dtype: 'float32' | 'int32' = 'float32') {
  const builtin = add(aShape, bShape, dtype);
  const spy = jest.spyOn(builtin.kernel, 'kernelFunc');
  hm.installAsBuiltins({backends: ['cpu']});
  const before = tf.memory().numTensors;
  const routed = add(aShape, bShape, dtype);
  expect(tf.memory().numTensors).toBe(before);
  const tfjsCalls = spy.mock.calls.length;
  spy.mockRestore();
  hm.uninstallBuiltins();
  return {builtin, routed, tfjsCalls};
}

function expectBitForBit(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  const diff = Array.from(a).findIndex((v, i) => !Object.is(v, b[i]));
  expect({diff, got: a[diff], want: b[diff]}).toEqual({diff: -1, got: undefined, want: undefined});
}

describe.each([
  [[2, 5, 4, 6], [1, 1, 1, 6], 'channels last, as tf.layers adds a bias'],
  [[1, 1, 1, 6], [2, 5, 4, 6], 'the vector first'],
  [[2, 6, 5, 4], [1, 6, 1, 1], 'channels first'],
  [[2, 5, 4, 6], [6], 'a 1-D vector'],
  [[2, 5, 4, 6], [1, 4, 1], 'an inner axis, fewer dims'],
  [[3, 7], [3, 1], 'the first axis'],
  [[2, 5, 4, 6], [1, 1, 1, 1], 'one value'],
  [[2, 5, 4, 6], [], 'a scalar'],
  [[3, 1], [1], 'a size-1 axis'],
])('%j + %j (%s): the handmade kernel', (aShape, bShape) => {
  test("gives tfjs-backend-cpu's result bit for bit, without calling it", () => {
    expect(axisBroadcast(aShape, bShape)).not.toBeNull();
    const {builtin, routed, tfjsCalls} = both(aShape, bShape);
    expect(tfjsCalls).toBe(0);
    expect(routed.shape).toEqual(builtin.shape);
    expect(routed.dtype).toBe('float32');
    expectBitForBit(routed.data, builtin.data);
  });
});

describe.each([
  [[2, 5, 4, 6], [2, 5, 4, 6], 'float32', 'equal shapes'],
  [[2, 5, 4, 6], [1, 5, 1, 6], 'float32', 'two broadcast axes'],
  [[5, 1], [1, 6], 'float32', 'both operands broadcast'],
  [[4, 6], [1, 1, 6], 'float32', 'the output gains a dim'],
  [[0, 6], [1, 6], 'float32', 'an empty operand'],
  [[2, 5, 4, 6], [1, 1, 1, 6], 'int32', 'int32'],
])("%j + %j (%s, %s): tfjs's kernel", (aShape, bShape, dtype) => {
  test('answers, with its own result', () => {
    const {builtin, routed, tfjsCalls} = both(aShape, bShape, dtype as 'float32' | 'int32');
    expect(tfjsCalls).toBe(1);
    expect(routed.shape).toEqual(builtin.shape);
    expect(routed.dtype).toBe(builtin.dtype);
    expectBitForBit(routed.data, builtin.data);
  });
});

test('addAlongAxis follows out[i] = big[i] + v[floor(i / inner) mod C]', () => {
  const big = Float32Array.from({length: 24}, (_, i) => i * 10);
  const v = Float32Array.of(0.5, 0.25, 0.125);
  const expected = (inner: number) => Array.from(big, (x, i) => x + v[Math.floor(i / inner) % 3]);
  expect(Array.from(addAlongAxis(big, v, 3, 1))).toEqual(expected(1));
  expect(Array.from(addAlongAxis(big, v, 3, 4))).toEqual(expected(4));
  expect(Array.from(addAlongAxis(big, v, 3, 8))).toEqual(expected(8));
});

test('axisBroadcast names the full operand, the axis length and the run after it', () => {
  expect(axisBroadcast([2, 5, 4, 6], [1, 1, 1, 6])).toEqual({big: 'a', channels: 6, inner: 1});
  expect(axisBroadcast([1, 6, 1, 1], [2, 6, 5, 4])).toEqual({big: 'b', channels: 6, inner: 20});
  expect(axisBroadcast([2, 5, 4, 6], [])).toEqual({big: 'a', channels: 1, inner: 240});
  expect(axisBroadcast([2, 5, 4, 6], [5, 1, 1])).toEqual({big: 'a', channels: 5, inner: 24});
  expect(axisBroadcast([2, 5, 4, 6], [1, 5, 1, 6])).toBeNull();
  expect(axisBroadcast([4, 6], [4, 6])).toBeNull();
});

test("installAsBuiltins({biasAdd: false}) leaves cpu's Add alone; uninstall restores it", () => {
  const tfjsAdd = tf.getKernel('Add', 'cpu');
  hm.installAsBuiltins();
  expect(tf.getKernel('Add', 'cpu')).not.toBe(tfjsAdd);
  hm.installAsBuiltins({biasAdd: false});
  expect(tf.getKernel('Add', 'cpu')).toBe(tfjsAdd);
  hm.installAsBuiltins({backends: ['cpu']});
  expect(tf.getKernel('Add', 'cpu')).not.toBe(tfjsAdd);
  hm.installAsBuiltins({backends: ['wasm']});
  expect(tf.getKernel('Add', 'cpu')).toBe(tfjsAdd);
  hm.installAsBuiltins();
  hm.uninstallBuiltins();
  expect(tf.getKernel('Add', 'cpu')).toBe(tfjsAdd);
  expect(() => hm.installAsBuiltins({biasAdd: 1 as unknown as boolean})).toThrow(
    'installAsBuiltins: biasAdd must be true or false, got 1',
  );
});
