// The reference shapes of ARCHITECTURE.md and, for each, the kernel pairs to time: a handmade kernel
// and the built-in kernel that does the same job, with the inputs and attributes each expects.

import * as tf from '@tensorflow/tfjs-core';
import type {NamedAttrMap, NamedTensorMap, Tensor} from '@tensorflow/tfjs-core';
import * as names from '../kernels/names';
import {rng} from '../test/helpers/random';

export interface ConvCase {
  kind: 'conv';
  id: string;
  x: [number, number, number, number];  // NHWC
  w: [number, number, number, number];  // [fh, fw, inC, outC]
  stride: number;
  pad: 'same' | 'valid';
}

export interface PoolCase {
  kind: 'pool';
  id: string;
  x: [number, number, number, number];  // NHWC
  size: number;
  stride: number;
  pad: 'same' | 'valid';
}

export type BenchCase = ConvCase | PoolCase;

export const CASES: readonly BenchCase[] = [
  {kind: 'conv', id: 'c1', x: [32, 28, 28, 1], w: [5, 5, 1, 8], stride: 1, pad: 'same'},
  {kind: 'conv', id: 'c2', x: [32, 14, 14, 8], w: [5, 5, 8, 16], stride: 1, pad: 'same'},
  {kind: 'conv', id: 'c3', x: [8, 56, 56, 64], w: [3, 3, 64, 64], stride: 1, pad: 'same'},
  {kind: 'conv', id: 'c4', x: [8, 56, 56, 64], w: [3, 3, 64, 128], stride: 2, pad: 'same'},
  {kind: 'conv', id: 'c5', x: [8, 28, 28, 128], w: [1, 1, 128, 256], stride: 1, pad: 'same'},
  {kind: 'pool', id: 'p1', x: [32, 28, 28, 8], size: 2, stride: 2, pad: 'valid'},
  {kind: 'pool', id: 'p2', x: [8, 56, 56, 64], size: 2, stride: 2, pad: 'valid'},
  {kind: 'pool', id: 'p3', x: [8, 112, 112, 64], size: 3, stride: 2, pad: 'same'},
];

/** One kernel call: a kernel name, its inputs and attributes. */
export interface KernelCall {
  kernelName: string;
  inputs: NamedTensorMap;
  attrs: NamedAttrMap;
}

/** A handmade kernel and the built-in kernel of the same job, on one shape. */
export interface KernelPair {
  caseId: string;
  shape: string;
  /** The handmade kernel's name: the row's `kernel`. */
  kernel: string;
  handmade: KernelCall;
  builtin: KernelCall;
  /** Floating-point operations of one call, for GFLOP/s; 0 for the pools. */
  flops: number;
}

function uniformTensor(shape: number[], seed: number): Tensor {
  const next = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = next() * 2 - 1;
  return tf.tensor(values, shape, 'float32');
}

function outSize(inSize: number, size: number, stride: number, pad: 'same' | 'valid'): number {
  return pad === 'same' ? Math.ceil(inSize / stride) : Math.ceil((inSize - size + 1) / stride);
}

function convPairs(c: ConvCase): KernelPair[] {
  const [n, h, w, ci] = c.x;
  const [fh, fw, , co] = c.w;
  const ho = outSize(h, fh, c.stride, c.pad);
  const wo = outSize(w, fw, c.stride, c.pad);
  const x = uniformTensor(c.x, 1);
  const filter = uniformTensor(c.w, 2);
  const dy = uniformTensor([n, ho, wo, co], 3);
  const conv = {strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dilations: 1} as NamedAttrMap;
  const shape = `x[${c.x}] w[${c.w}] s${c.stride} ${c.pad}`;
  const flops = 2 * n * ho * wo * co * fh * fw * ci;
  const pair = (kernel: string, builtinName: string, inputs: NamedTensorMap,
                attrs: NamedAttrMap): KernelPair => ({
    caseId: c.id, shape, kernel, flops,
    handmade: {kernelName: kernel, inputs, attrs},
    builtin: {kernelName: builtinName, inputs, attrs},
  });
  return [
    pair(names.HandmadeConv2D, 'Conv2D', {x, filter}, conv),
    pair(names.HandmadeConv2DBackpropInput, 'Conv2DBackpropInput', {dy, filter},
         {...conv, inputShape: c.x}),
    pair(names.HandmadeConv2DBackpropFilter, 'Conv2DBackpropFilter', {x, dy},
         {...conv, filterShape: c.w}),
  ];
}

function poolPairs(c: PoolCase): KernelPair[] {
  const x = uniformTensor(c.x, 4);
  const attrs = {filterSize: c.size, strides: c.stride, pad: c.pad, dataFormat: 'NHWC',
                 dilations: 1} as NamedAttrMap;
  const shape = `x[${c.x}] ${c.size}x${c.size}/${c.stride} ${c.pad}`;
  // The backward kernels' inputs come from the forward kernels, as in training.
  const [y, argmax] = tf.engine().runKernel(names.HandmadeMaxPool, {x}, attrs) as Tensor[];
  y.dispose();
  const output = tf.engine().runKernel('MaxPool', {x}, attrs) as Tensor;
  const dy = uniformTensor(output.shape, 5);
  return [
    // tfjs's MaxPool's job, y alone (what it runs under installAsBuiltins), then the training
    // forward, which also writes the argmax its gradient reads.
    {caseId: c.id, shape, kernel: names.HandmadeMaxPoolValues, flops: 0,
     handmade: {kernelName: names.HandmadeMaxPoolValues, inputs: {x}, attrs},
     builtin: {kernelName: 'MaxPool', inputs: {x}, attrs}},
    {caseId: c.id, shape, kernel: names.HandmadeMaxPool, flops: 0,
     handmade: {kernelName: names.HandmadeMaxPool, inputs: {x}, attrs},
     builtin: {kernelName: 'MaxPool', inputs: {x}, attrs}},
    {caseId: c.id, shape, kernel: names.HandmadeMaxPoolGrad, flops: 0,
     handmade: {kernelName: names.HandmadeMaxPoolGrad, inputs: {dy, argmax},
                attrs: {...attrs, inputShape: c.x}},
     builtin: {kernelName: 'MaxPoolGrad', inputs: {dy, input: x, output}, attrs}},
  ];
}

export function kernelPairs(c: BenchCase): KernelPair[] {
  return c.kind === 'conv' ? convPairs(c) : poolPairs(c);
}
