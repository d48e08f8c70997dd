/** Rasters ↔ canvases, and small cached thumbnails for the layers panel. */
import { GrayRaster, RgbaRaster, grayAsRgba } from "../raster";

export function toImageData(image: RgbaRaster): ImageData {
  const data = new Uint8ClampedArray(image.rgba.buffer as ArrayBuffer, image.rgba.byteOffset, image.rgba.byteLength);
  return new ImageData(data, image.width, image.height);
}

export function rasterCanvas(image: RgbaRaster): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext("2d")!.putImageData(toImageData(image), 0, 0);
  return canvas;
}

// Rasters never change once made, so a thumbnail can be kept for as long as its raster lives.
const thumbnails = new WeakMap<object, string>();

/** A data: URL of the image fitted into size×size (for <img> in the layers panel). */
export function thumbnailUrl(image: RgbaRaster | GrayRaster, size: number): string {
  const cached = thumbnails.get(image);
  if (cached) return cached;
  const rgba = "rgba" in image ? image : grayAsRgba(image);
  const scale = Math.min(size / image.width, size / image.height);
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(image.width * scale));
  canvas.height = Math.max(1, Math.round(image.height * scale));
  const ctx = canvas.getContext("2d")!;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(rasterCanvas(rgba), 0, 0, canvas.width, canvas.height);
  const url = canvas.toDataURL("image/png");
  thumbnails.set(image, url);
  return url;
}
