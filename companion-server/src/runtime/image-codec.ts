/** Images to PNG bytes and back (pngjs); the pixel maths itself is in engine/imaging/rgba.ts, which the browser shares. */
import { PNG } from "pngjs";

export type { RgbaImage } from "../engine/imaging/rgba";
export { tensorToRgba } from "../engine/imaging/rgba";
import type { RgbaImage } from "../engine/imaging/rgba";

export function encodePng(image: RgbaImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength);
  return PNG.sync.write(png);
}

/** 8-bit gray (masks, heat maps) as a PNG. */
export function encodeGrayPng(gray: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  return PNG.sync.write(Object.assign(png, { data: Buffer.from(gray) }), { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** 16-bit gray (a heat map's fine levels) as a 16-bit PNG. */
export function encodeGray16Png(gray: Uint16Array, width: number, height: number): Buffer {
  const options = { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 16 } as const;
  const png = new PNG({ width, height, ...options });
  // pngjs reads 16-bit samples in the platform's order from the data's buffer
  png.data = Buffer.from(gray.buffer, gray.byteOffset, gray.byteLength);
  return PNG.sync.write(png, options);
}

export function decodePng(bytes: Buffer): RgbaImage {
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}
