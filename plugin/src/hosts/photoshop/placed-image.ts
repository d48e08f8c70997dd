/**
 * From the panel's raw pixels to Photoshop image data at the place the user chose.
 *
 * Placement: the image's top-left corner goes to the document's top-left corner (0, 0), at the
 * image's own size unless the placement names another. Photoshop's put* calls only position data
 * (they ignore a target width and height), so a size change is resampled here, with the stated
 * method (bicubic when none is stated). Nothing is ever stretched to fit without being asked.
 * Pixels are sRGB; masks and selections are one gray component in "Gray Gamma 2.2", as Photoshop
 * requires. Image data is always disposed after use, also when Photoshop throws.
 */
import type { GrayImage, PixelImage, Placement } from "../host";
import { PhotoshopHostError } from "./errors";
import type { PhotoshopApi, PhotoshopImageData } from "./photoshop-api";
import { resampleGray, resampleRgba, type ResampleMethod } from "../../editor/resample";

export const SRGB_PROFILE = "sRGB IEC61966-2.1";
export const GRAY_PROFILE = "Gray Gamma 2.2";

/** Where image data lands in the document: putPixels and friends use only left and top. */
export interface TargetBounds {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The resampling used when a placement changes the size but does not state one. */
export const DEFAULT_RESAMPLE: ResampleMethod = "bicubic";

export function placedBounds(image: { width: number; height: number }, placement?: Placement): TargetBounds {
  const width = placement?.width ?? image.width;
  const height = placement?.height ?? image.height;
  for (const size of [width, height]) {
    if (!Number.isInteger(size) || size < 1) throw new PhotoshopHostError("BAD_PLACEMENT", `got ${width}×${height}`);
  }
  return { left: 0, top: 0, width, height };
}

type Use<T> = (data: PhotoshopImageData, bounds: TargetBounds) => Promise<T>;

function checkLength(what: string, actual: number, width: number, height: number, channels: number): void {
  if (actual !== width * height * channels) {
    throw new PhotoshopHostError("BAD_IMAGE", `${what}: ${actual} bytes for ${width}×${height}×${channels}`);
  }
}

type Imaging = PhotoshopApi["imaging"];

async function withImageData<T>(created: Promise<PhotoshopImageData>, bounds: TargetBounds, use: Use<T>): Promise<T> {
  const data = await created;
  try {
    return await use(data, bounds);
  } finally {
    await data.dispose();
  }
}

/** RGBA pixels, resampled to the placement, as sRGB image data for `use`. */
export function withPixelData<T>(
  imaging: Imaging,
  image: PixelImage,
  placement: Placement | undefined,
  use: Use<T>,
): Promise<T> {
  checkLength("pixels", image.rgba.length, image.width, image.height, 4);
  const bounds = placedBounds(image, placement);
  const method = placement?.resample ?? DEFAULT_RESAMPLE;
  const { rgba } = resampleRgba(image, bounds.width, bounds.height, method);
  const created = imaging.createImageDataFromBuffer(rgba, {
    width: bounds.width,
    height: bounds.height,
    components: 4,
    colorSpace: "RGB",
    colorProfile: SRGB_PROFILE,
  });
  return withImageData(created, bounds, use);
}

/** A gray mask, resampled to the placement, as the 1-component image data masks and selections need. */
export function withMaskData<T>(
  imaging: Imaging,
  mask: GrayImage,
  placement: Placement | undefined,
  use: Use<T>,
): Promise<T> {
  checkLength("mask", mask.gray.length, mask.width, mask.height, 1);
  const bounds = placedBounds(mask, placement);
  const method = placement?.resample ?? DEFAULT_RESAMPLE;
  const { gray } = resampleGray(mask, bounds.width, bounds.height, method);
  const created = imaging.createImageDataFromBuffer(gray, {
    width: bounds.width,
    height: bounds.height,
    components: 1,
    chunky: false,
    colorSpace: "Grayscale",
    colorProfile: GRAY_PROFILE,
  });
  return withImageData(created, bounds, use);
}
