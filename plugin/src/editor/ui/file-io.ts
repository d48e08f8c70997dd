/** Files in and out of the browser: decoding images, the PNG codec for OpenRaster, downloads. */
import { PngCodec } from "../openraster";
import { encodePng } from "../png";
import { RgbaRaster } from "../raster";

/** Decodes any image the browser can read. Canvas storage is premultiplied: translucent colours may round. */
export async function decodeImage(blob: Blob): Promise<RgbaRaster> {
  const bitmap = await createImageBitmap(blob, { premultiplyAlpha: "none", colorSpaceConversion: "none" }).catch(() => {
    throw new Error(`${(blob as File).name ?? "the file"} is not an image this browser can read`);
  });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext("2d")!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  return { width: canvas.width, height: canvas.height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export const browserPng: PngCodec = {
  encode: encodePng,
  decode: (bytes) => decodeImage(new Blob([bytes as BlobPart], { type: "image/png" })),
};

export function isOpenRaster(file: File): boolean {
  return /\.ora$/i.test(file.name) || file.type === "image/openraster";
}

/** The file name without its extension: the document's title. */
export function baseName(name: string): string {
  return name.replace(/\.[^.]+$/, "") || name;
}

export function download(bytes: Uint8Array, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has been handed over once click() returns; the URL can go a moment later.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
