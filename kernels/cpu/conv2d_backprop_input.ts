// HandmadeConv2DBackpropInput, cpu.
//   dx[b,xR,xC,d1] = Σ dy[b,yR,yC,d2] · W[wR,wC,d1,d2] over xR = yR*s - padTop + wR*dl (and
//   columns alike)
// As matrices, per group and chunk: dcol = dy · Wᵀ, then col2im scatters dcol back onto dx.
// At stride 1 with few input channels, dx is instead the forward convolution of dy by the
// rotated filter (geometry.ts, inputGradientAsConv): long dot products over dy's windows read in
// place, where dy · Wᵀ would be a product of inner dimension outC and col2im a second pass.

import {ConvGeometry, inputGradientAsConv, sizeOf} from '../geometry';
import {HandmadeConv2DBackpropInput} from '../names';
import {conv2dBackpropInputSimd} from '../simd/conv';
import {isDepthwise} from '../simd/depthwise';
import {simdKernels} from '../simd/runtime';
import {conv2dBackpropInputOnHeap} from '../simd/wasm_heap';
import {
  filterView,
  inputFromNhwc,
  outputToNhwc,
  paddedSize,
  positionsView,
  transposed,
} from './conv_common';
import {conv2dWindowsCpu} from './conv2d';
import {depthwiseBackpropInputCpu} from './depthwise';
import {hostKernel} from './entry';
import {fitsWholeB, gemm} from './gemm';
import {conv2dBackpropInputGuards} from './guards';
import {chunkPositions, col2im, colWidth, im2colIsIdentity} from './im2col';
import {readFloat32, writeTensor} from './io';
import {COL_BUFFER_DOUBLES, scratchFloat32} from './scratch';

// Input channels up to which dx is computed as a forward convolution (the scalar path; the SIMD
// module has its own plans). Measured against col2im(dy · Wᵀ), 3x3 filters at stride 1 (ms, the
// median of 7): x[8,28,28,24] * 16 outputs 8.7 vs 14.3, x[8,28,28,32] 11.4 vs 18.9,
// x[8,28,28,48] * 32 33.5 vs 45.7, x[2,56,56,64] * 64 89 vs 110, x[4,28,28,96] * 64 66 vs 83;
// at 128 and 256 channels the two are equal (x[4,28,28,128] * 128: 205 vs 202).
const MAX_CHANNELS_AS_CONV = 96;

/** Whether dx is computed as conv2dWindowsCpu(dy, rotated W) of inputGradientAsConv(g). */
export function inputGradientIsForwardConv(g: ConvGeometry): boolean {
  if (
    g.strideHeight !== 1 ||
    g.strideWidth !== 1 ||
    g.dilationHeight !== 1 ||
    g.dilationWidth !== 1 ||
    g.groups !== 1 ||
    g.inChannels > MAX_CHANNELS_AS_CONV ||
    im2colIsIdentity(g)
  ) {
    return false;
  }
  const t = inputGradientAsConv(g);
  const [h, w] = paddedSize(t);
  return (
    fitsWholeB(colWidth(t), t.outChannels, t.filterWidth * t.inChannels) &&
    h * w * t.inChannels <= COL_BUFFER_DOUBLES
  );
}

/** Wrot[wR', wC', d2, d1] = W[fh-1-wR', fw-1-wC', d1, d2], in a scratch buffer. */
function rotatedFilter(filter: Float32Array, g: ConvGeometry): Float32Array {
  const {filterHeight: fh, filterWidth: fw, inChannels, outChannels} = g;
  const rotated = scratchFloat32('filter.rotated', filter.length);
  for (let wR = 0; wR < fh; wR++) {
    for (let wC = 0; wC < fw; wC++) {
      const src = ((fh - 1 - wR) * fw + (fw - 1 - wC)) * inChannels * outChannels;
      const dst = (wR * fw + wC) * outChannels * inChannels;
      for (let d1 = 0; d1 < inChannels; d1++) {
        for (let d2 = 0; d2 < outChannels; d2++) {
          rotated[dst + d2 * inChannels + d1] = filter[src + d1 * outChannels + d2];
        }
      }
    }
  }
  return rotated;
}

export function conv2dBackpropInputCpu(
  dy: Float32Array,
  filter: Float32Array,
  g: ConvGeometry,
): Float32Array {
  // Before any path is chosen: outputs with no window on x, and a non-finite filter (guards.ts).
  const guarded = conv2dBackpropInputGuards(dy, filter, g, conv2dBackpropInputCpu);
  if (guarded != null) return guarded;
  const dyNhwc = outputToNhwc(dy, g);
  const dx = new Float32Array(sizeOf(g.inShape)); // NHWC [B, inH, inW, inC]
  const simd = simdKernels();
  if (simd != null && conv2dBackpropInputSimd(simd, dyNhwc, filter, g, dx)) {
    return inputFromNhwc(dx, g);
  }
  if (isDepthwise(g)) {
    depthwiseBackpropInputCpu(dyNhwc, filter, g, dx);
    return inputFromNhwc(dx, g);
  }
  if (inputGradientIsForwardConv(g)) {
    conv2dWindowsCpu(dyNhwc, rotatedFilter(filter, g), inputGradientAsConv(g), dx);
    return inputFromNhwc(dx, g);
  }
  const positions = g.batchSize * g.outHeight * g.outWidth;
  const n = g.outChannelsPerGroup;
  if (im2colIsIdentity(g)) {
    for (let group = 0; group < g.groups; group++) {
      gemm(
        positions,
        g.inChannelsPerGroup,
        n,
        positionsView(dyNhwc, g.outChannels, 0, group * n),
        transposed(filterView(filter, g, group)),
        positionsView(dx, g.inChannels, 0, group * g.inChannelsPerGroup),
        false,
      );
    }
    return inputFromNhwc(dx, g);
  }
  const k = colWidth(g);
  const chunk = chunkPositions(g);
  const dcol = scratchFloat32('im2col', chunk * k);
  for (let p0 = 0; p0 < positions; p0 += chunk) {
    const rows = Math.min(chunk, positions - p0);
    for (let group = 0; group < g.groups; group++) {
      gemm(
        rows,
        k,
        n,
        positionsView(dyNhwc, g.outChannels, p0, group * n),
        transposed(filterView(filter, g, group)),
        positionsView(dcol, k, 0, 0),
        false,
      );
      col2im(dcol, g, group, p0, rows, dx);
    }
  }
  return inputFromNhwc(dx, g);
}

export const conv2dBackpropInputCpuKernel = hostKernel(
  HandmadeConv2DBackpropInput,
  ({inputs: {dy, filter}, g, io, heap}) =>
    (heap && conv2dBackpropInputOnHeap(heap, dy, filter, g)) ??
    writeTensor(
      io,
      g.inShape,
      'float32',
      conv2dBackpropInputCpu(readFloat32(io, dy), readFloat32(io, filter), g),
    ),
);
