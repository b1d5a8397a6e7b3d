// installAsBuiltins / uninstallBuiltins: route tfjs's own kernel names to the handmade kernels
// (builtin_adapters.ts), and cpu's Add where it is a bias add (kernels/cpu/add_along_axis.ts),
// and back. This module belongs to register.ts (which re-exports it): with it, they are the only
// callers of tfjs's kernel and gradient registries.
//
// Every registration replaced is saved once (the KernelConfig / GradConfig object itself, or
// undefined where there was none) and restored exactly: unregister, then register the saved
// object, so tf.getKernel / tf.getGradient return the very objects they returned before.
// - Calling installAsBuiltins again is safe: a registration that is still ours is left alone.
//   If something registered over ours in between (importing a tfjs backend or tfjs-layers after
//   this package does that), that newer registration becomes the one uninstallBuiltins restores,
//   and ours goes back on top.
// - A later call with other backends (or depthwise: false, or biasAdd: false) installs those and
//   restores the ones no longer named.
// - uninstallBuiltins leaves alone a registration that is no longer ours (someone registered
//   over it since), and is a no-op when nothing is installed.

import type {GradConfig, KernelConfig, KernelFunc} from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import {addAlongAxisHost} from '../kernels/cpu/add_along_axis';
import {hostBackend} from '../kernels/cpu/io';
import {
  argmaxes,
  BUILTIN_KERNEL_NAMES,
  builtinAdapter,
  builtinGradients,
  type BuiltinName,
  DEPTHWISE_NAMES,
} from './builtin_adapters';
import {BACKENDS, KERNEL_TABLE} from './kernel_table';

interface Saved<T> {
  ours: T;
  previous: T | undefined;
}
const savedKernels = new Map<string, Saved<KernelConfig>>(); // key: `${backend}/${kernelName}`
const savedGradients = new Map<string, Saved<GradConfig>>();
const installedBackends = new Set<string>();

export interface InstallOptions {
  /** Backends to route; default: every backend of the kernel table. */
  backends?: readonly string[];
  /** Route tfjs's depthwise kernels (DepthwiseConv2dNative, its two backprops and
   *  FusedDepthwiseConv2D) and their gradients too; default true. With false they stay tfjs's. */
  depthwise?: boolean;
  /** On cpu, route tfjs's Add where one operand is a vector broadcast along one axis of the
   *  other (the bias add of tf.layers' depthwise and separable layers) to a kernel that walks the
   *  output once (kernels/cpu/add_along_axis.ts); every other Add stays tfjs's. Default true. */
  biasAdd?: boolean;
}

/** The bias add is routed on this backend only: tfjs's Add is slow on its broadcast there. */
const BIAS_ADD_BACKEND = 'cpu';
const BIAS_ADD_KEY = `${BIAS_ADD_BACKEND}/Add`;

/** cpu's Add under the override: the handmade one where it applies, else the one it replaced. */
function biasAddAdapter(previous: () => KernelConfig | undefined): KernelFunc {
  return (args) => {
    const {a, b} = args.inputs;
    const out = a != null && b != null ? addAlongAxisHost(a, b, hostBackend(args.backend)) : null;
    if (out != null) return out;
    const saved = previous();
    if (saved == null) {
      throw new Error(
        `Add on '${BIAS_ADD_BACKEND}': no kernel of tfjs's was registered under this name ` +
          'before installAsBuiltins',
      );
    }
    return saved.kernelFunc(args);
  };
}

/** The kernel names routed now: all, or all but the depthwise ones. */
let routedNames: readonly BuiltinName[] = BUILTIN_KERNEL_NAMES;

/** Registers ours for tfjs's kernelName on backendName, saving what it replaces (once; see the
 *  top of this file for a registration made over ours since). */
function installKernel(
  kernelName: string,
  backendName: string,
  adapter: (previous: () => KernelConfig | undefined) => KernelFunc,
): void {
  const key = `${backendName}/${kernelName}`;
  const current = tf.getKernel(kernelName, backendName);
  let entry = savedKernels.get(key);
  if (entry != null && current === entry.ours) return;
  if (entry == null) {
    const previous = () => savedKernels.get(key)?.previous;
    entry = {ours: {kernelName, backendName, kernelFunc: adapter(previous)}, previous: current};
    savedKernels.set(key, entry);
  } else {
    entry.previous = current;
  }
  if (current != null) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(entry.ours);
}

function restoreKernel(key: string): void {
  const entry = savedKernels.get(key);
  if (entry == null) return;
  savedKernels.delete(key);
  const {kernelName, backendName} = entry.ours;
  if (tf.getKernel(kernelName, backendName) !== entry.ours) return;
  tf.unregisterKernel(kernelName, backendName);
  if (entry.previous != null) tf.registerKernel(entry.previous);
}

export function installAsBuiltins(options: InstallOptions = {}): void {
  const backends = options.backends ?? BACKENDS;
  if (!Array.isArray(backends) || backends.length === 0) {
    throw new Error(
      `installAsBuiltins: backends must be a non-empty array of backend names, ` +
        `got ${JSON.stringify(backends)}`,
    );
  }
  for (const b of backends) {
    if (!(BACKENDS as readonly string[]).includes(b)) {
      throw new Error(
        `installAsBuiltins: backend '${b}' has no handmade kernels; the kernel ` +
          `table has: ${BACKENDS.join(', ')}`,
      );
    }
  }
  for (const b of backends) {
    const missing = KERNEL_TABLE.filter((row) => tf.getKernel(row.kernelName, b) == null);
    if (missing.length > 0) {
      throw new Error(
        `installAsBuiltins: the handmade kernels ${missing
          .map((r) => r.kernelName)
          .join(', ')} are not registered for backend '${b}' (import tfjs-handmade first)`,
      );
    }
  }
  if (options.depthwise != null && typeof options.depthwise !== 'boolean') {
    throw new Error(
      `installAsBuiltins: depthwise must be true or false, got ${JSON.stringify(options.depthwise)}`,
    );
  }
  if (options.biasAdd != null && typeof options.biasAdd !== 'boolean') {
    throw new Error(
      `installAsBuiltins: biasAdd must be true or false, got ${JSON.stringify(options.biasAdd)}`,
    );
  }
  const depthwise = options.depthwise ?? true;
  const biasAdd = options.biasAdd ?? true;
  routedNames = BUILTIN_KERNEL_NAMES.filter((n) => depthwise || !DEPTHWISE_NAMES.includes(n));
  for (const b of [...installedBackends]) {
    for (const name of BUILTIN_KERNEL_NAMES) {
      if (!backends.includes(b) || !routedNames.includes(name)) restoreKernel(`${b}/${name}`);
    }
    if (!backends.includes(b)) installedBackends.delete(b);
  }
  for (const backendName of backends) {
    for (const kernelName of routedNames) {
      installKernel(kernelName, backendName, (previous) =>
        builtinAdapter(kernelName, backendName, previous),
      );
    }
    installedBackends.add(backendName);
  }
  if (biasAdd && backends.includes(BIAS_ADD_BACKEND)) {
    installKernel('Add', BIAS_ADD_BACKEND, biasAddAdapter);
  } else {
    restoreKernel(BIAS_ADD_KEY);
  }
  const gradients = builtinGradients(
    (b) => installedBackends.has(b),
    (name) => savedGradients.get(name)?.previous,
  );
  const routed = (g: GradConfig) => routedNames.includes(g.kernelName as BuiltinName);
  for (const g of gradients.filter((g) => !routed(g))) restoreGradient(g.kernelName);
  for (const ours of gradients.filter(routed)) {
    const current = tf.getGradient(ours.kernelName);
    const entry = savedGradients.get(ours.kernelName);
    if (entry != null && current === entry.ours) continue;
    if (entry == null) {
      savedGradients.set(ours.kernelName, {ours, previous: current});
    } else {
      entry.previous = current;
    }
    // The saved object itself, so that uninstalling recognises it as ours.
    tf.registerGradient(entry?.ours ?? ours);
  }
}

function restoreGradient(name: string): void {
  const entry = savedGradients.get(name);
  if (entry == null) return;
  savedGradients.delete(name);
  if (tf.getGradient(name) !== entry.ours) return;
  tf.unregisterGradient(name);
  if (entry.previous != null) tf.registerGradient(entry.previous);
}

export function uninstallBuiltins(): void {
  for (const key of [...savedKernels.keys()]) restoreKernel(key);
  for (const name of [...savedGradients.keys()]) restoreGradient(name);
  installedBackends.clear();
  argmaxes.clear(); // a gradient still to come runs tfjs's MaxPoolGrad now
}

/** The backends on which tfjs's kernel names currently run the handmade kernels. */
export function builtinsInstalledOn(): string[] {
  return [...installedBackends].filter((b) =>
    routedNames.every((name) => tf.getKernel(name, b) === savedKernels.get(`${b}/${name}`)?.ours),
  );
}
