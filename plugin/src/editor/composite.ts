/**
 * Flattening: visible layers, bottom to top, "normal" (source-over) blending, each pixel's alpha
 * scaled by the layer's opacity and, where enabled, its mask. The canvas view and every export use
 * this one function, so what is exported is what was on screen.
 */
import { EditorDocument, Layer } from "./document";
import { RgbaRaster } from "./raster";

export function flatten(doc: EditorDocument): RgbaRaster {
  return new Compositor().flatten(doc);
}

/**
 * Flattens repeatedly, keeping the blend of the layers below the one that changed last time.
 * A live preview replaces one layer many times over; the layers under it are then blended once,
 * not on every frame. The result is the same as flatten()'s, bit for bit.
 */
export class Compositor {
  private below: { layers: readonly Layer[]; count: number; acc: Float32Array } | null = null;
  private shown: readonly Layer[] = [];

  flatten(doc: EditorDocument): RgbaRaster {
    const n = doc.width * doc.height;
    const layers = doc.layers;
    // The lowest layer that differs from the previous call: the next change is likely there again.
    let changed = 0;
    while (changed < layers.length && layers[changed] === this.shown[changed]) changed++;
    this.shown = layers;

    let start = 0;
    let acc: Float32Array;
    const cache = this.below;
    if (cache && cache.acc.length === n * 4 && cache.count <= layers.length && sameLayers(cache.layers, layers, cache.count)) {
      acc = cache.acc.slice();
      start = cache.count;
    } else {
      acc = new Float32Array(n * 4);
    }
    for (let i = start; i < layers.length; i++) {
      if (i === changed && i !== start && changed < layers.length) this.below = { layers, count: i, acc: acc.slice() };
      const layer = layers[i];
      if (layer.visible && layer.opacity > 0) blendLayer(acc, doc, layer);
    }
    return toStraight(acc, doc.width, doc.height);
  }
}

function sameLayers(a: readonly Layer[], b: readonly Layer[], count: number): boolean {
  for (let i = 0; i < count; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Premultiplied float accumulation to straight-alpha bytes. */
function toStraight(acc: Float32Array, width: number, height: number): RgbaRaster {
  const n = width * height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n * 4; i += 4) {
    const a = acc[i + 3];
    if (a <= 0) continue;
    // Opaque pixels (most of a generated image) need no division; the bytes are the same.
    if (a === 1) {
      rgba[i] = Math.round(Math.min(255, acc[i]));
      rgba[i + 1] = Math.round(Math.min(255, acc[i + 1]));
      rgba[i + 2] = Math.round(Math.min(255, acc[i + 2]));
      rgba[i + 3] = 255;
      continue;
    }
    for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(Math.min(255, acc[i + c] / a));
    rgba[i + 3] = Math.round(Math.min(1, a) * 255);
  }
  return { width, height, rgba };
}

function blendLayer(acc: Float32Array, doc: EditorDocument, layer: Layer): void {
  const { width, height, rgba } = layer.pixels;
  const mask = layer.mask?.enabled ? layer.mask.image.gray : null;
  const x0 = Math.max(0, layer.x);
  const y0 = Math.max(0, layer.y);
  const x1 = Math.min(doc.width, layer.x + width);
  const y1 = Math.min(doc.height, layer.y + height);
  for (let dy = y0; dy < y1; dy++) {
    for (let dx = x0; dx < x1; dx++) {
      const s = (dy - layer.y) * width + (dx - layer.x);
      const d = (dy * doc.width + dx) * 4;
      let a = (rgba[s * 4 + 3] / 255) * layer.opacity;
      if (mask) a *= mask[s] / 255;
      if (a <= 0) continue;
      if (a >= 1) {
        // Opaque pixels (most of a generated image) replace what is below: no blending needed.
        acc[d] = rgba[s * 4];
        acc[d + 1] = rgba[s * 4 + 1];
        acc[d + 2] = rgba[s * 4 + 2];
        acc[d + 3] = 1;
        continue;
      }
      const keep = 1 - a;
      acc[d] = rgba[s * 4] * a + acc[d] * keep;
      acc[d + 1] = rgba[s * 4 + 1] * a + acc[d + 1] * keep;
      acc[d + 2] = rgba[s * 4 + 2] * a + acc[d + 2] * keep;
      acc[d + 3] = a + acc[d + 3] * keep;
    }
  }
}

/** One layer's own pixels (no opacity, no mask) placed on a transparent document-sized image. */
export function layerInDocument(doc: EditorDocument, layer: Layer): RgbaRaster {
  const { width, height, rgba } = layer.pixels;
  if (layer.x === 0 && layer.y === 0 && width === doc.width && height === doc.height) return layer.pixels;
  const out = new Uint8Array(doc.width * doc.height * 4);
  const x0 = Math.max(0, layer.x);
  const x1 = Math.min(doc.width, layer.x + width);
  for (let dy = Math.max(0, layer.y); dy < Math.min(doc.height, layer.y + height); dy++) {
    const src = ((dy - layer.y) * width + (x0 - layer.x)) * 4;
    out.set(rgba.subarray(src, src + (x1 - x0) * 4), (dy * doc.width + x0) * 4);
  }
  return { width: doc.width, height: doc.height, rgba: out };
}
