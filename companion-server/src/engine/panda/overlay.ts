/** Drawing parts for people: a fixed palette and a part map blended over an image as a coloured overlay. */
import type { RgbaImage } from "../imaging/rgba";
import { SpatialMap } from "./maps";

/** Distinct hues, so neighbouring part indices never look alike. */
export function partColour(k: number): [number, number, number] {
  const hue = (k * 137.508) % 360; // golden angle
  const c = 0.85;
  const x = c * (1 - Math.abs(((hue / 60) % 2) - 1));
  const [r, g, b] = hue < 60 ? [c, x, 0] : hue < 120 ? [x, c, 0] : hue < 180 ? [0, c, x] : hue < 240 ? [0, x, c] : hue < 300 ? [x, 0, c] : [c, 0, x];
  const m = 0.1;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/**
 * The image in dimmed gray (so any part colour stands out on any image), with the part's
 * colour blended in by the map's value (0…1); without an image, the map alone on black.
 */
export function overlayPart(map: SpatialMap, colour: readonly [number, number, number], image?: RgbaImage): RgbaImage {
  const n = map.width * map.height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const t = Math.min(1, Math.max(0, map.data[i])) * 0.85;
    const base = image ? 0.5 * (0.299 * image.rgba[i * 4] + 0.587 * image.rgba[i * 4 + 1] + 0.114 * image.rgba[i * 4 + 2]) : 0;
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.round(base * (1 - t) + colour[c] * t);
    rgba[i * 4 + 3] = 255;
  }
  return { width: map.width, height: map.height, rgba };
}
