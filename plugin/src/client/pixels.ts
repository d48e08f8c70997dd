/**
 * Decodes the raw answers of pixel routes (Accept: application/octet-stream): the bytes are
 * RGBA or 8-bit gray, with size and format in X-Image-* headers. Raw bytes because the
 * Photoshop panel cannot decode PNG, and because they skip a PNG round trip in the live preview.
 */
import type { GrayImage, PixelImage } from "../hosts/host";
import type { IMAGE_HEADERS } from "@server-api/generate";
import { ClientError } from "./errors";
import type { HeatMap } from "./client";

/** The server's X-Image-* header names; typed against its contract (a type-only import keeps Node code out of the bundle). */
export const IMAGE_HEADER: typeof IMAGE_HEADERS = { id: "x-image-id", width: "x-image-width", height: "x-image-height", format: "x-image-format", seed: "x-image-seed", quality: "x-image-quality" };

export type RawImage = ({ format: "rgba8" } & PixelImage) | ({ format: "gray8" } & GrayImage);

export async function readRawImage(response: Response): Promise<RawImage> {
  const width = Number(response.headers.get(IMAGE_HEADER.width));
  const height = Number(response.headers.get(IMAGE_HEADER.height));
  const format = response.headers.get(IMAGE_HEADER.format);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const channels = format === "rgba8" ? 4 : format === "gray8" ? 1 : 0;
  if (!(width > 0 && height > 0 && channels > 0) || bytes.length !== width * height * channels) {
    throw new ClientError("protocol", `the server sent ${bytes.length} bytes of "${format}" for ${width}×${height}; the panel and server versions may not match`);
  }
  return format === "rgba8" ? { format, width, height, rgba: bytes } : { format: "gray8", width, height, gray: bytes };
}

/** A 16-bit heat map (X-Image-Format gray16: little-endian uint16) as values in 0…1. */
export async function readRawHeat(response: Response): Promise<HeatMap> {
  const width = Number(response.headers.get(IMAGE_HEADER.width));
  const height = Number(response.headers.get(IMAGE_HEADER.height));
  const format = response.headers.get(IMAGE_HEADER.format);
  const bytes = await response.arrayBuffer();
  if (!(width > 0 && height > 0) || format !== "gray16" || bytes.byteLength !== width * height * 2) {
    throw new ClientError("protocol", `the server sent ${bytes.byteLength} bytes of "${format}" for a ${width}×${height} 16-bit heat map; the panel and server versions may not match`);
  }
  const view = new DataView(bytes);
  const heat = new Float32Array(width * height);
  for (let i = 0; i < heat.length; i++) heat[i] = view.getUint16(i * 2, true) / 65535;
  return { width, height, heat };
}

export function asRgba(image: RawImage): PixelImage {
  if (image.format === "rgba8") return { width: image.width, height: image.height, rgba: image.rgba };
  const rgba = new Uint8Array(image.width * image.height * 4);
  image.gray.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
  return { width: image.width, height: image.height, rgba };
}

export function asGray(image: RawImage): GrayImage {
  if (image.format === "gray8") return { width: image.width, height: image.height, gray: image.gray };
  // a mask sent as RGBA: its luminance is what counts
  const gray = new Uint8Array(image.width * image.height);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.round((image.rgba[i * 4] + image.rgba[i * 4 + 1] + image.rgba[i * 4 + 2]) / 3);
  return { width: image.width, height: image.height, gray };
}
