// Reference convolution, forward and backward, in float64: the specification the fast kernels
// are held to. Each is the same sum of products, read three ways (the math in README.md):
//   y[b,yR,yC,d2]   = Σ x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · W[wR,wC,d1,d2]
// dx[b,xR,xC,d1]  = Σ dy[b,yR,yC,d2] · W[wR,wC,d1,d2]   over the (yR,wR), (yC,wC) that read xR, xC
//   dW[wR,wC,d1,d2] = Σ x[b, yR*s - padTop + wR*dl, yC*s - padLeft + wC*dl, d1] · dy[b,yR,yC,d2]
//   db[d2]          = Σ dy[b,yR,yC,d2]

import {ConvGeometry, sizeOf} from '../geometry';
import {forEachConvTap} from './window';

type Values = ArrayLike<number>;

export function conv2dReference(x: Values, filter: Values, g: ConvGeometry): Float64Array {
  const y = new Float64Array(sizeOf(g.outShape));
  forEachConvTap(g, (yi, xi, wi) => {
    y[yi] += x[xi] * filter[wi];
  });
  return y;
}

export function conv2dBackpropInputReference(
  dy: Values,
  filter: Values,
  g: ConvGeometry,
): Float64Array {
  const dx = new Float64Array(sizeOf(g.inShape));
  forEachConvTap(g, (yi, xi, wi) => {
    dx[xi] += dy[yi] * filter[wi];
  });
  return dx;
}

export function conv2dBackpropFilterReference(
  x: Values,
  dy: Values,
  g: ConvGeometry,
): Float64Array {
  const dW = new Float64Array(sizeOf(g.filterShape));
  forEachConvTap(g, (yi, xi, wi) => {
    dW[wi] += x[xi] * dy[yi];
  });
  return dW;
}

/** Sum of dy over every axis but the channel one. */
export function biasGradReference(dy: Values, g: ConvGeometry): Float64Array {
  const db = new Float64Array(g.outChannels);
  const perImage = g.outHeight * g.outWidth;
  for (let i = 0; i < dy.length; i++) {
    const d2 =
      g.dataFormat === 'NHWC' ? i % g.outChannels : Math.floor(i / perImage) % g.outChannels;
    db[d2] += dy[i];
  }
  return db;
}
