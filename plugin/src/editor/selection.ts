/** Geometry of a gray selection for its on-screen outline (the "marching ants"). */
import { GrayRaster } from "./raster";

/** A pixel counts as selected from half way up, as GIMP draws the outline of a soft selection. */
export const SELECTED = 128;

/** Indices of selected pixels that touch an unselected pixel or the image's border (4-neighbourhood). */
export function selectionBoundary(selection: GrayRaster): Int32Array {
  const { width, height, gray } = selection;
  const out: number[] = [];
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && gray[y * width + x] >= SELECTED;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (gray[y * width + x] < SELECTED) continue;
      if (!on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1)) out.push(y * width + x);
    }
  }
  return Int32Array.from(out);
}
