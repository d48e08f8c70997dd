/**
 * Raw pixel buffers of the editor. Structurally the same as the Host's PixelImage / GrayImage,
 * so pixels cross the host boundary without copies. Buffers are never mutated once they are in a
 * document: every edit makes a new buffer, which is what lets undo keep whole states cheaply.
 */

export interface RgbaRaster {
  readonly width: number;
  readonly height: number;
  /** width·height·4 bytes, straight (non-premultiplied) alpha */
  readonly rgba: Uint8Array;
}

export interface GrayRaster {
  readonly width: number;
  readonly height: number;
  /** width·height bytes; 0 = hidden/unselected, 255 = visible/selected */
  readonly gray: Uint8Array;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export function blankRgba(width: number, height: number): RgbaRaster {
  checkSize(width, height);
  return { width, height, rgba: new Uint8Array(width * height * 4) };
}

export function filledGray(width: number, height: number, value: number): GrayRaster {
  checkSize(width, height);
  return { width, height, gray: new Uint8Array(width * height).fill(value) };
}

export function sameSize(a: Size, b: Size): boolean {
  return a.width === b.width && a.height === b.height;
}

export function sizeText(size: Size): string {
  return `${size.width}×${size.height}`;
}

export function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 16384 || height > 16384) {
    throw new RangeError(`an image is 1…16384 pixels wide and high, not ${width}×${height}`);
  }
}

/** Checks that a raster's buffer length matches its size (pixels from outside are not trusted). */
export function checkRgba(image: RgbaRaster): RgbaRaster {
  checkSize(image.width, image.height);
  if (image.rgba.length !== image.width * image.height * 4) {
    throw new RangeError(`an RGBA image of ${sizeText(image)} has ${image.width * image.height * 4} bytes, not ${image.rgba.length}`);
  }
  return image;
}

export function checkGray(image: GrayRaster): GrayRaster {
  checkSize(image.width, image.height);
  if (image.gray.length !== image.width * image.height) {
    throw new RangeError(`a gray image of ${sizeText(image)} has ${image.width * image.height} bytes, not ${image.gray.length}`);
  }
  return image;
}

/** The alpha channel of an RGBA image as gray (how masks travel inside OpenRaster files). */
export function alphaOf(image: RgbaRaster): GrayRaster {
  const gray = new Uint8Array(image.width * image.height);
  for (let i = 0; i < gray.length; i++) gray[i] = image.rgba[i * 4 + 3];
  return { width: image.width, height: image.height, gray };
}

/** White pixels whose alpha is the gray value. */
export function grayAsAlpha(mask: GrayRaster): RgbaRaster {
  const rgba = new Uint8Array(mask.width * mask.height * 4).fill(255);
  for (let i = 0; i < mask.gray.length; i++) rgba[i * 4 + 3] = mask.gray[i];
  return { width: mask.width, height: mask.height, rgba };
}

/** Gray as an opaque gray RGBA picture (thumbnails, PNG export of a mask). */
export function grayAsRgba(mask: GrayRaster): RgbaRaster {
  const rgba = new Uint8Array(mask.width * mask.height * 4);
  for (let i = 0; i < mask.gray.length; i++) {
    const v = mask.gray[i];
    rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  return { width: mask.width, height: mask.height, rgba };
}

/** The pixels with the mask multiplied into their alpha (a layer as other editors should show it). */
export function applyMask(image: RgbaRaster, mask: GrayRaster): RgbaRaster {
  const rgba = image.rgba.slice();
  for (let i = 0; i < mask.gray.length; i++) rgba[i * 4 + 3] = Math.round((rgba[i * 4 + 3] * mask.gray[i]) / 255);
  return { width: image.width, height: image.height, rgba };
}
