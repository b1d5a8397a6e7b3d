// Max pool and its gradient on the WebAssembly SIMD module, NHWC, image by image (the scan and
// the scatter themselves are in assembly/max_pool.ts). Each returns false, having done nothing,
// when an image does not fit the module's regions; the caller then runs the scalar kernel.

import {ConvGeometry} from '../geometry';
import {IMAGE_FLOATS, KernelExports, SimdKernels, countSimdRun} from './runtime';

export function setPool(wasm: KernelExports, g: ConvGeometry): void {
  wasm.setPool(g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth,
                    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth,
                    g.dilationHeight, g.dilationWidth, g.padInfo.top, g.padInfo.left);
}

function imageSizes(g: ConvGeometry): [number, number] {
  return [g.inHeight * g.inWidth * g.inChannels, g.outHeight * g.outWidth * g.outChannels];
}

/** y and argmax of a max pool, x, y and argmax NHWC. */
export function maxPoolSimd(m: SimdKernels, x: Float32Array, g: ConvGeometry, y: Float32Array,
                            argmax: Int32Array): boolean {
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

/** y of a max pool without its argmax, x and y NHWC. */
export function maxPoolValuesSimd(m: SimdKernels, x: Float32Array, g: ConvGeometry,
                                  y: Float32Array): boolean {
  const [inImage, outImage] = imageSizes(g);
  if (inImage > IMAGE_FLOATS || outImage > IMAGE_FLOATS) return false;
  const {exports: wasm, regions: r, f32} = m;
  setPool(wasm, g);
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(x.subarray(b * inImage, (b + 1) * inImage), r.in >> 2);
    wasm.maxPoolValues(r.in, r.out);
    y.set(f32.subarray(r.out >> 2, (r.out >> 2) + outImage), b * outImage);
  }
  countSimdRun();
  return true;
}

/** dx = the scatter of dy at argmax, all NHWC. */
export function maxPoolGradSimd(m: SimdKernels, dy: Float32Array, argmax: Int32Array,
                                g: ConvGeometry, dx: Float32Array): boolean {
  const [inImage, outImage] = imageSizes(g);
  if (inImage > IMAGE_FLOATS || outImage > IMAGE_FLOATS) return false;
  const {exports: wasm, regions: r, f32, i32} = m;
  setPool(wasm, g);
  for (let b = 0; b < g.batchSize; b++) {
    f32.set(dy.subarray(b * outImage, (b + 1) * outImage), r.in >> 2);
    i32.set(argmax.subarray(b * outImage, (b + 1) * outImage), r.aux >> 2);
    wasm.maxPoolGrad(r.in, r.aux, r.out);
    dx.set(f32.subarray(r.out >> 2, (r.out >> 2) + inImage), b * inImage);
  }
  countSimdRun();
  return true;
}
