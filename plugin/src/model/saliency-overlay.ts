/**
 * The saliency layer as a heat-map overlay: clear where the appearance is absent, rising in colour
 * and opacity to where it is strongest in this image, so the face stays visible under it.
 *
 * The server's heat is on the paper's scale (the concept's min/max over the factorisation's
 * samples) and its mask is the paper's threshold (the concept's mean). One image spans a narrow
 * band of that scale (SynthFaces 256, seed 3: the middle 90 % of the pixels lie within 20–40 of 255
 * levels), so shown as is, the heat reads as one flat blob. For display it is stretched between
 * the threshold — where the concept starts to be present, the edge of the server's mask — and this
 * image's strongest value. Pure (no DOM): the panel model and its tests use it.
 */
import type { GrayImage, PixelImage } from "../hosts/host";
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
  /** the heat levels the stretch maps to 0 and 1 (0…255) */
  range: { present: number; strongest: number };
}

/**
 * `heat` and `present` are the server's heat map and threshold mask of one appearance (same size).
 * `lut`: 256 RGB triples (default inferno); null for gray.
 */
export function saliencyOverlay(heat: GrayImage, present: GrayImage, lut: Uint8Array | null = INFERNO): SaliencyOverlay {
  const n = heat.width * heat.height;
  const h = heat.gray;
  // The threshold in heat levels: the weakest pixel the server's mask counts as present.
  let low = 256;
  let high = 0;
  for (let i = 0; i < n; i++) {
    if (present.gray[i] >= 128 && h[i] < low) low = h[i];
    if (h[i] > high) high = h[i];
  }
  const span = Math.max(1, high - low);
  const rgba = new Uint8Array(n * 4);
  const mask = new Uint8Array(n);
  const { present: atThreshold, strongest } = OVERLAY_OPACITY;
  for (let i = 0; i < n; i++) {
    const t = (h[i] - low) / span; // 0 at the threshold, 1 at the strongest; negative below
    const level = Math.round(255 * Math.min(1, Math.max(0, t)));
    if (lut) rgba.set(lut.subarray(level * 3, level * 3 + 3), i * 4);
    else rgba.fill(level, i * 4, i * 4 + 3);
    rgba[i * 4 + 3] = 255;
    const opacity = t >= 0 ? atThreshold + (strongest - atThreshold) * Math.min(1, t) : atThreshold * Math.max(0, 1 + t / FADE);
    mask[i] = low > 255 ? 0 : Math.round(255 * opacity);
  }
  return { pixels: { width: heat.width, height: heat.height, rgba }, mask: { width: heat.width, height: heat.height, gray: mask }, range: { present: Math.min(low, 255), strongest: high } };
}
