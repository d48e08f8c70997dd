/**
 * The saliency layer as a heat-map overlay: clear where the appearance is absent, rising in colour
 * and opacity to where it is strongest in this image, so the face stays visible under it.
 *
 * The server's heat is on the paper's scale (the concept's min/max over the factorisation's
 * samples) and its mask is the paper's threshold (the concept's mean). One image spans a narrow
 * band of that scale (SynthFaces 256, seed 3: the middle 90 % of the pixels lie within 20–40 of 255
 * levels), so shown as is, the heat reads as one flat blob. For display it is stretched between
 * the threshold — where the concept starts to be present, the edge of the server's mask — and this
 * image's strongest value. The heat comes at full precision (16 bits from the server, floats in
 * the page) and the colour map is interpolated between its entries, so the stretch shows no steps
 * (8-bit heat gave about 35 levels across the stretched range). Pure (no DOM): the panel model
 * and its tests use it.
 */
import type { GrayImage, PixelImage } from "../hosts/host";
import type { HeatMap } from "../client/client";
import { INFERNO } from "./colour-map";

/** Opacity at the threshold and at the image's strongest value. */
export const OVERLAY_OPACITY = { present: 0.2, strongest: 0.85 } as const;

/** Below the threshold the opacity fades to 0 over this fraction of the stretched range (a soft edge, not a cut-out). */
const FADE = 0.15;

export interface SaliencyOverlay {
  /** the stretched heat through the colour map (or as gray), opaque */
  pixels: PixelImage;
  /** the layer's mask: the overlay's opacity */
  mask: GrayImage;
  /** the heat values (0…1) the stretch maps to 0 and 1 */
  range: { present: number; strongest: number };
}

/**
 * `heat` and `present` are the server's heat map (0…1) and threshold mask of one appearance (same
 * size). `lut`: 256 RGB triples (default inferno), interpolated; null for gray.
 */
export function saliencyOverlay(heat: HeatMap, present: GrayImage, lut: Uint8Array | null = INFERNO): SaliencyOverlay {
  const n = heat.width * heat.height;
  const h = heat.heat;
  // The threshold in heat values: the weakest pixel the server's mask counts as present.
  let low = Infinity;
  let high = 0;
  for (let i = 0; i < n; i++) {
    if (present.gray[i] >= 128 && h[i] < low) low = h[i];
    if (h[i] > high) high = h[i];
  }
  const none = low === Infinity;
  const span = Math.max(1e-6, high - low);
  const rgba = new Uint8Array(n * 4);
  const mask = new Uint8Array(n);
  const { present: atThreshold, strongest } = OVERLAY_OPACITY;
  for (let i = 0; i < n; i++) {
    const t = (h[i] - low) / span; // 0 at the threshold, 1 at the strongest; negative below
    const position = 255 * Math.min(1, Math.max(0, t));
    if (lut) {
      const below = Math.min(254, Math.floor(position));
      const f = position - below;
      for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.round(lut[below * 3 + c] * (1 - f) + lut[(below + 1) * 3 + c] * f);
    } else rgba.fill(Math.round(position), i * 4, i * 4 + 3);
    rgba[i * 4 + 3] = 255;
    const opacity = t >= 0 ? atThreshold + (strongest - atThreshold) * Math.min(1, t) : atThreshold * Math.max(0, 1 + t / FADE);
    mask[i] = none ? 0 : Math.round(255 * opacity);
  }
  return { pixels: { width: heat.width, height: heat.height, rgba }, mask: { width: heat.width, height: heat.height, gray: mask }, range: { present: none ? 1 : low, strongest: high } };
}
