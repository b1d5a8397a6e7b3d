// THE table: every kernel name, its implementation on each backend, its gradient, and the kernels
// that gradient calls. register.ts walks it; a test checks it is complete and closed (every
// gradient calls only rows of this table). The host kernels (kernels/cpu/) serve both the cpu and
// the wasm backend: they read tensors with readSync and write them through the backend's own
// constructor, so the same function runs on tfjs's wasm tensors (kernels/cpu/io.ts).

import type {GradConfig, KernelFunc} from '@tensorflow/tfjs-core';

import {conv2dCpuKernel} from '../kernels/cpu/conv2d';
import {conv2dBackpropFilterCpuKernel} from '../kernels/cpu/conv2d_backprop_filter';
import {conv2dBackpropInputCpuKernel} from '../kernels/cpu/conv2d_backprop_input';
import {fusedConv2dCpuKernel} from '../kernels/cpu/fused_conv2d';
import {maxPoolCpuKernel, maxPoolValuesCpuKernel} from '../kernels/cpu/max_pool';
import {maxPoolGatherCpuKernel, maxPoolGradCpuKernel} from '../kernels/cpu/max_pool_grad';
import {
  conv2dBackpropFilterGrad,
  conv2dBackpropInputGrad,
  conv2dGrad,
} from '../kernels/gradients/conv2d';
import {fusedConv2dGrad} from '../kernels/gradients/fused_conv2d';
import {
  maxPoolGatherGrad,
  maxPoolGrad,
  maxPoolGradGrad,
  maxPoolValuesGrad,
} from '../kernels/gradients/max_pool';
import * as names from '../kernels/names';
import {conv2dWebglKernel} from '../kernels/webgl/conv2d';
import {conv2dBackpropFilterWebglKernel} from '../kernels/webgl/conv2d_backprop_filter';
import {conv2dBackpropInputWebglKernel} from '../kernels/webgl/conv2d_backprop_input';
import {fusedConv2dWebglKernel} from '../kernels/webgl/fused_conv2d';
import {maxPoolValuesWebglKernel, maxPoolWebglKernel} from '../kernels/webgl/max_pool';
import {maxPoolGatherWebglKernel, maxPoolGradWebglKernel} from '../kernels/webgl/max_pool_grad';

export type BackendName = 'cpu' | 'wasm' | 'webgl';
export const BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'webgl'];

export interface KernelRow {
  kernelName: names.KernelName;
  backends: Record<BackendName, KernelFunc>;
  gradient: GradConfig;
  /** The table rows the gradient runs (besides tfjs's elementwise ops). */
  gradientCalls: names.KernelName[];
}

export const KERNEL_TABLE: readonly KernelRow[] = [
  {
    kernelName: names.HandmadeConv2D,
    backends: {cpu: conv2dCpuKernel, wasm: conv2dCpuKernel, webgl: conv2dWebglKernel},
    gradient: conv2dGrad,
    gradientCalls: [names.HandmadeConv2DBackpropInput, names.HandmadeConv2DBackpropFilter],
  },
  {
    kernelName: names.HandmadeConv2DBackpropInput,
    backends: {
      cpu: conv2dBackpropInputCpuKernel,
      wasm: conv2dBackpropInputCpuKernel,
      webgl: conv2dBackpropInputWebglKernel,
    },
    gradient: conv2dBackpropInputGrad,
    gradientCalls: [names.HandmadeConv2D, names.HandmadeConv2DBackpropFilter],
  },
  {
    kernelName: names.HandmadeConv2DBackpropFilter,
    backends: {
      cpu: conv2dBackpropFilterCpuKernel,
      wasm: conv2dBackpropFilterCpuKernel,
      webgl: conv2dBackpropFilterWebglKernel,
    },
    gradient: conv2dBackpropFilterGrad,
    gradientCalls: [names.HandmadeConv2DBackpropInput, names.HandmadeConv2D],
  },
  {
    kernelName: names.HandmadeFusedConv2D,
    backends: {
      cpu: fusedConv2dCpuKernel,
      wasm: fusedConv2dCpuKernel,
      webgl: fusedConv2dWebglKernel,
    },
    gradient: fusedConv2dGrad,
    gradientCalls: [
      names.HandmadeConv2DBackpropInput,
      names.HandmadeConv2DBackpropFilter,
      names.HandmadeFusedConv2D,
    ],
  },
  {
    kernelName: names.HandmadeMaxPool,
    backends: {cpu: maxPoolCpuKernel, wasm: maxPoolCpuKernel, webgl: maxPoolWebglKernel},
    gradient: maxPoolGrad,
    gradientCalls: [names.HandmadeMaxPoolGrad],
  },
  {
    kernelName: names.HandmadeMaxPoolGrad,
    backends: {
      cpu: maxPoolGradCpuKernel,
      wasm: maxPoolGradCpuKernel,
      webgl: maxPoolGradWebglKernel,
    },
    gradient: maxPoolGradGrad,
    gradientCalls: [names.HandmadeMaxPoolGather],
  },
  {
    kernelName: names.HandmadeMaxPoolGather,
    backends: {
      cpu: maxPoolGatherCpuKernel,
      wasm: maxPoolGatherCpuKernel,
      webgl: maxPoolGatherWebglKernel,
    },
    gradient: maxPoolGatherGrad,
    gradientCalls: [names.HandmadeMaxPoolGrad],
  },
  {
    kernelName: names.HandmadeMaxPoolValues,
    backends: {
      cpu: maxPoolValuesCpuKernel,
      wasm: maxPoolValuesCpuKernel,
      webgl: maxPoolValuesWebglKernel,
    },
    gradient: maxPoolValuesGrad,
    gradientCalls: [names.HandmadeMaxPool, names.HandmadeMaxPoolGrad],
  },
];
