/** Geometry of a gray selection for its on-screen outline (the "marching ants"). */
import { GrayRaster } from "./raster";

/** A pixel counts as selected from half way up, as GIMP draws the outline of a soft selection. */
export const SELECTED = 128;

/**
 * The outline between selected and unselected pixels (or the image's border) as line segments
 * in document pixel coordinates, [x0, y0, x1, y1, …], with runs along a row or column merged so
 * that the view strokes few, long lines at any zoom.
 */
export function selectionEdges(selection: GrayRaster): number[] {
  const { width, height, gray } = selection;
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && gray[y * width + x] >= SELECTED;
  const edges: number[] = [];
  // Horizontal edges lie on the line y between rows y−1 and y.
  for (let y = 0; y <= height; y++) {
    let start = -1;
    for (let x = 0; x <= width; x++) {
      const edge = x < width && on(x, y - 1) !== on(x, y);
      if (edge && start < 0) start = x;
      if (!edge && start >= 0) {
        edges.push(start, y, x, y);
        start = -1;
      }
    }
  }
  // Vertical edges lie on the line x between columns x−1 and x.
  for (let x = 0; x <= width; x++) {
    let start = -1;
    for (let y = 0; y <= height; y++) {
      const edge = y < height && on(x - 1, y) !== on(x, y);
      if (edge && start < 0) start = y;
      if (!edge && start >= 0) {
        edges.push(x, start, x, y);
        start = -1;
      }
    }
  }
  return edges;
}
