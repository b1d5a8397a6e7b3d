// A 1x1 convolution at stride 1 as four quarters of y (programs/pointwise_blocks_programs.ts, which
// says why): HandmadeConv2D's and HandmadeFusedConv2D's 'pointwise' walk, their strided 1x1
// filters after the subsample, and the input gradient of a 1x1 filter, where dispatch.ts's
// pointwiseBlocks allows.
//
// tfjs's GPGPUProgram has one output texture, so this pass is drawn here, on tfjs's context and
// with its vertex shader and vertex arrays (GPGPUContext), into a framebuffer of this module's
// with the quarters at colour attachments 0-3. Each quarter is a rectangle of y, copied into place
// with copyTexSubImage2D: a copy, where a pass of fragments that merged the quarters cost a third
// of the convolution (measured on SwiftShader, x[1,112,112,16] · [16,96]: 7.3 ms for the merge,
// 13.4 ms for the whole convolution on the packed-input program).
//
// The quarters and y are textures of tfjs's texture manager, allocated as runWebGLProgram
// allocates a program's output (y is one, packed, in its natural shape); the quarters are
// released at the end of the call, and count in tf.memory() while they live. The call leaves
// tfjs's framebuffer bound; the viewport, scissor box, program, vertex array and texture units
// it changes are those that tfjs sets before each of its draws. Under ENGINE_COMPILE_ONLY (tfjs's
// warm-up that only compiles) the program is compiled and nothing drawn. The product program is
// compiled once per context, count of input texels and epilogue.
//
// The caller takes Conv2DPackedInputsProgram where this gives null: WebGL 1; an operand that is
// not a packed texture of its own shape (an unpacked texture, a slice, a reshape that tfjs would
// repack); an epilogue whose operands are not one value per channel; y one texel wide or high.

import type {GPGPUContext} from '@tensorflow/tfjs-backend-webgl';
import {webgl_util} from '@tensorflow/tfjs-backend-webgl';
import type {TensorInfo} from '@tensorflow/tfjs-core';
import {env} from '@tensorflow/tfjs-core';

import type {ConvGeometry} from '../geometry';
import type {WebGLBackend} from './backend';
import {packedTexelWidth} from './backend';
import type {FusedPart} from './conv2d';
import {
  pointwiseProductShader,
  ProductEpilogue,
  productInputs,
} from './programs/pointwise_blocks_programs';

type ContextProgram = ReturnType<GPGPUContext['createProgram']>;

interface ProductProgram {
  program: ContextProgram;
  /** Each input's sampler and the uniforms, looked up at the first draw (a program compiled
   *  under ENGINE_COMPILE_ONLY may still be linking). */
  locations: {
    samplers: WebGLUniformLocation[];
    quarter: WebGLUniformLocation;
    leakyreluAlpha: WebGLUniformLocation;
  } | null;
}

interface ContextState {
  /** The product programs, by count of input texels and epilogue. */
  programs: Map<string, ProductProgram>;
  /** The framebuffer that the quarters are drawn to and copied from. */
  framebuffer: WebGLFramebuffer;
}

const contexts = new WeakMap<GPGPUContext, ContextState>();

let draws = 0;

/** Product passes drawn so far (the tests' evidence that this path ran). */
export function pointwiseBlocksDraws(): number {
  return draws;
}

function contextState(gpgpu: GPGPUContext): ContextState {
  let state = contexts.get(gpgpu);
  if (state == null) {
    const framebuffer = gpgpu.gl.createFramebuffer();
    if (framebuffer == null) throw new Error('webgl: could not create a framebuffer');
    state = {programs: new Map(), framebuffer};
    contexts.set(gpgpu, state);
  }
  return state;
}

function productProgram(
  gpgpu: GPGPUContext,
  inTexels: number,
  epilogue?: ProductEpilogue,
): ProductProgram {
  const {programs} = contextState(gpgpu);
  const key = `${inTexels}_${JSON.stringify(epilogue ?? null)}`;
  let p = programs.get(key);
  if (p == null) {
    const source = pointwiseProductShader(inTexels, epilogue);
    const program = gpgpu.createProgram(webgl_util.createFragmentShader(gpgpu.gl, source));
    gpgpu.buildVao(program);
    p = {program, locations: null};
    programs.set(key, p);
  }
  return p;
}

function locationsOf(
  gpgpu: GPGPUContext,
  p: ProductProgram,
  inputs: string[],
): NonNullable<ProductProgram['locations']> {
  if (p.locations == null) {
    const gl = gpgpu.gl;
    if (gl.getProgramParameter(p.program, gl.LINK_STATUS) === false) {
      throw new Error(
        `webgl: the pointwise product did not link: ${gl.getProgramInfoLog(p.program)}`,
      );
    }
    const at = (name: string) => gpgpu.getUniformLocation(p.program, name, false);
    p.locations = {
      samplers: inputs.map(at),
      quarter: at('quarter'),
      leakyreluAlpha: at('leakyreluAlpha'),
    };
  }
  return p.locations;
}

/** t's texture where a packed program reads it as it lies (packed, whole, laid out for t's shape),
 *  uploaded packed first if t's values are on the CPU, with its height in texels; else null. */
function textureInPlace(
  gl: WebGLBackend,
  t: TensorInfo,
): {texture: WebGLTexture; rows: number} | null {
  packedTexelWidth(gl, t);
  const data = gl.texData.get(t.dataId);
  if (data.texture == null || data.isPacked !== true || data.slice != null) return null;
  if (data.texShape == null || !webgl_util.isReshapeFree(data.shape, t.shape)) return null;
  return {texture: data.texture.texture, rows: Math.ceil(data.texShape[0] / 2)};
}

/** A packed float32 tensor of `shape` on a texture of tfjs's texture manager, as runWebGLProgram
 *  makes a program's output. */
function packedOutput(gl: WebGLBackend, shape: number[]): TensorInfo {
  const t = gl.makeTensorInfo(shape, 'float32');
  gl.texData.get(t.dataId).isPacked = true;
  gl.uploadToGPU(t.dataId);
  return t;
}

/** The quarters drawn, then copied into y (a texture yw x yh texels, quarters hx x hy). */
function drawBlocks(
  gl: WebGLBackend,
  p: ProductProgram,
  inputs: {names: string[]; textures: WebGLTexture[]},
  quarters: WebGLTexture[],
  y: {texture: WebGLTexture; yw: number; yh: number},
  hx: number,
  hy: number,
  leakyreluAlpha: number,
): void {
  const gpgpu = gl.gpgpu;
  const ctx = gpgpu.gl as WebGL2RenderingContext;
  const {framebuffer} = contextState(gpgpu);
  const attachments = quarters.map((_, l) => ctx.COLOR_ATTACHMENT0 + l);
  ctx.bindFramebuffer(ctx.FRAMEBUFFER, framebuffer);
  try {
    quarters.forEach((q, l) =>
      ctx.framebufferTexture2D(ctx.FRAMEBUFFER, attachments[l], ctx.TEXTURE_2D, q, 0),
    );
    ctx.drawBuffers(attachments);
    ctx.viewport(0, 0, hx, hy);
    ctx.scissor(0, 0, hx, hy);
    gpgpu.setProgram(p.program);
    gpgpu.bindVertexArray(p.program.vao);
    const at = locationsOf(gpgpu, p, inputs.names);
    inputs.textures.forEach((t, unit) => gpgpu.setInputMatrixTexture(t, at.samplers[unit], unit));
    ctx.uniform2f(at.quarter, hx, hy);
    ctx.uniform1f(at.leakyreluAlpha, leakyreluAlpha);
    gpgpu.executeProgram();
    draws++;

    // Each quarter into its rectangle of y, read from our framebuffer. y is attached to no
    // framebuffer that is bound: written by a copy while attached to tfjs's bound framebuffer,
    // its texels read back right but sampled as 0 in the next program (SwiftShader through
    // ANGLE).
    ctx.bindTexture(ctx.TEXTURE_2D, y.texture);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const [x0, y0] = [j * hx, i * hy];
        ctx.readBuffer(attachments[2 * i + j]);
        ctx.copyTexSubImage2D(
          ctx.TEXTURE_2D,
          0,
          x0,
          y0,
          0,
          0,
          Math.min(hx, y.yw - x0),
          Math.min(hy, y.yh - y0),
        );
      }
    }
    ctx.bindTexture(ctx.TEXTURE_2D, null);
    for (const a of attachments)
      ctx.framebufferTexture2D(ctx.FRAMEBUFFER, a, ctx.TEXTURE_2D, null, 0);
  } finally {
    ctx.bindFramebuffer(ctx.FRAMEBUFFER, gpgpu.framebuffer);
  }
}

/** y = conv2d(x, W) (with `fused`, act(y + bias)) for g, a 1x1 filter at stride 1 without padding
 *  whose x, W and y lie in their natural packed textures (Conv2DPackedInputsProgram's
 *  'pointwise' walk), or null where this path does not apply (above). */
export function pointwiseBlocksConv2d(
  gl: WebGLBackend,
  g: ConvGeometry,
  x: TensorInfo,
  filter: TensorInfo,
  fused?: FusedPart,
): TensorInfo | null {
  if (env().getNumber('WEBGL_VERSION') !== 2) return null;
  if (fused != null && fused.epilogue.perChannel !== true) return null;
  const [rows, columns] = webgl_util.getTextureShapeFromLogicalShape(g.outShape, true);
  const [yw, yh] = [Math.ceil(columns / 2), Math.ceil(rows / 2)];
  if (yw < 2 || yh < 2) return null;
  const xs = textureInPlace(gl, x);
  const ws = textureInPlace(gl, filter);
  // x's texture rows are y's (the same positions)
  if (xs == null || ws == null || xs.rows !== yh) return null;
  // the epilogue's operands (fused_conv2d.ts: bias, then PReLU weights, each where present), each
  // one row of texels
  const operands = (fused?.inputs ?? []).map((t) => textureInPlace(gl, t));
  if (operands.some((o) => o == null || o.rows !== 1)) return null;
  const epilogue: ProductEpilogue | undefined =
    fused == null
      ? undefined
      : {
          activation: fused.epilogue.activation,
          bias: fused.epilogue.bias,
          prelu: fused.epilogue.activation === 'prelu',
        };
  const names = productInputs(epilogue);
  const textures = [xs, ws, ...operands].map((o) => (o as {texture: WebGLTexture}).texture);
  if (textures.length !== names.length) return null;

  const [hx, hy] = [Math.ceil(yw / 2), Math.ceil(yh / 2)];
  // a quarter's texture is hx x hy texels
  const quarterShape = webgl_util.getTextureShapeFromLogicalShape([2 * hy, 2 * hx], true);
  if (quarterShape[0] !== 2 * hy || quarterShape[1] !== 2 * hx) return null;
  const p = productProgram(gl.gpgpu, Math.ceil(g.inChannels / 2), epilogue);
  const y = packedOutput(gl, g.outShape);
  if (env().getBool('ENGINE_COMPILE_ONLY')) return y;
  const quarters = [0, 1, 2, 3].map(() => packedOutput(gl, [2 * hy, 2 * hx]));
  try {
    drawBlocks(
      gl,
      p,
      {names, textures},
      quarters.map((q) => gl.getTexture(q.dataId)),
      {texture: gl.getTexture(y.dataId), yw, yh},
      hx,
      hy,
      fused?.uniforms[2]?.[0] ?? 0,
    );
  } catch (e) {
    gl.disposeIntermediateTensorInfo(y);
    throw e;
  } finally {
    for (const q of quarters) gl.disposeIntermediateTensorInfo(q);
  }
  return y;
}
