// Max pool and its gradient on the WebAssembly SIMD module, NHWC, image by image (the scan and
// the scatter themselves are in assembly/max_pool.ts). Each returns false, having done nothing,
// when an image does not fit the module's regions; the caller then runs the scalar kernel.

import {ConvGeometry} from '../geometry';
import {countSimdRun, IMAGE_FLOATS, KernelExports, SimdKernels} from './runtime';

export function setPool(wasm: KernelExports, g: ConvGeometry): void {
  wasm.setPool(
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.outHeight,
    g.outWidth,
    g.filterHeight,
    g.filterWidth,
    g.strideHeight,
    g.strideWidth,
    g.dilationHeight,
    g.dilationWidth,
    g.padInfo.top,
    g.padInfo.left,
  );
}

function imageSizes(g: ConvGeometry): [number, number] {
  return [g.inHeight * g.inWidth * g.inChannels, g.outHeight * g.outWidth * g.outChannels];
}

/** y and argmax of a max pool, x, y and argmax NHWC. */
export function maxPoolSimd(
  m: SimdKernels,
  x: Float32Array,
  g: ConvGeometry,
  y: Float32Array,
  argmax: Int32Array,
): boolean {
  const [inImage, outImage] = imageSizes(g);
  if (inImage > IMAGE_FLOATS || outImage > IMAGE_FLOATS) return false;
  const {exports: wasm, regions: r, f32, i32} = m;
  setPool(wasm, g);
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(x.subarray(b * inImage, (b + 1) * inImage), r.in >> 2);
    wasm.maxPool(r.in, r.out, r.aux);
    y.set(f32.subarray(r.out >> 2, (r.out >> 2) + outImage), b * outImage);
    argmax.set(i32.subarray(r.aux >> 2, (r.aux >> 2) + outImage), b * outImage);
  }
  countSimdRun();
  return true;
}

/** The floats of the module's memory from `at`, n of them, in a new array: where a call's whole
 *  output fits one region it is written there image after image and copied out once, into an
 *  array that needs no zeroing first. */
function copiedOut(f32: Float32Array, at: number, n: number): Float32Array {
  return f32.slice(at >> 2, (at >> 2) + n);
}

/** y of a max pool without its argmax, x and y NHWC; null, having done nothing, where an image
 *  does not fit the regions. */
export function maxPoolValuesSimd(
  m: SimdKernels,
  x: Float32Array,
  g: ConvGeometry,
): Float32Array | null {
  const [inImage, outImage] = imageSizes(g);
  if (inImage > IMAGE_FLOATS || outImage > IMAGE_FLOATS) return null;
  const {exports: wasm, regions: r, f32} = m;
  setPool(wasm, g);
  const whole = g.batchSize * outImage <= IMAGE_FLOATS;
  const y = whole ? null : new Float32Array(g.batchSize * outImage);
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(x.subarray(b * inImage, (b + 1) * inImage), r.in >> 2);
    wasm.maxPoolValues(r.in, r.out + (whole ? 4 * b * outImage : 0));
    if (y != null) y.set(f32.subarray(r.out >> 2, (r.out >> 2) + outImage), b * outImage);
  }
  countSimdRun();
  return y ?? copiedOut(f32, r.out, g.batchSize * outImage);
}

/** dx = the scatter of dy at argmax, all NHWC; null, having done nothing, where an image does
 *  not fit the regions. */
export function maxPoolGradSimd(
  m: SimdKernels,
  dy: Float32Array,
  argmax: Int32Array,
  g: ConvGeometry,
): Float32Array | null {
  const [inImage, outImage] = imageSizes(g);
  if (inImage > IMAGE_FLOATS || outImage > IMAGE_FLOATS) return null;
  const {exports: wasm, regions: r, f32, i32} = m;
  setPool(wasm, g);
  const whole = g.batchSize * inImage <= IMAGE_FLOATS;
  const dx = whole ? null : new Float32Array(g.batchSize * inImage);
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(dy.subarray(b * outImage, (b + 1) * outImage), r.in >> 2);
    i32.set(argmax.subarray(b * outImage, (b + 1) * outImage), r.aux >> 2);
    wasm.maxPoolGrad(r.in, r.aux, r.out + (whole ? 4 * b * inImage : 0));
    if (dx != null) dx.set(f32.subarray(r.out >> 2, (r.out >> 2) + inImage), b * inImage);
  }
  countSimdRun();
  return dx ?? copiedOut(f32, r.out, g.batchSize * inImage);
}
