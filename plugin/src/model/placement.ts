/**
 * Where a generated image and everything derived from it (masks, selections, edits, preview,
 * saliency, removal) go in a document of another size. Decided once per image, when its layer is
 * added, and then used for every call about that image, so nothing is ever misaligned:
 * - "image": 1:1 at the document's top-left corner (no resampling);
 * - "fit": scaled to fit the document with the aspect ratio kept (never stretched), at the
 *   top-left corner; pixels with the chosen resampling, masks and selections bilinear (a hard
 *   mask edge resampled bicubic rings).
 */
import type { DocumentInfo, Placement } from "../hosts/host";

export type PlacementMode = "image" | "fit";
export type Resample = NonNullable<Placement["resample"]>;

export interface PlacementSettings {
  mode: PlacementMode;
  /** for pixel layers when fitting */
  resample: Resample;
}

export const DEFAULT_PLACEMENT: PlacementSettings = { mode: "image", resample: "bicubic" };
export const MASK_RESAMPLE: Resample = "bilinear";
export const RESAMPLE_METHODS: readonly Resample[] = ["nearest", "bilinear", "bicubic"];
export const PLACEMENT_LABELS: Record<PlacementMode, string> = {
  image: "Image size (1:1, top-left)",
  fit: "Fit document (keep aspect)",
};

export interface Size {
  width: number;
  height: number;
}

/** The placement of one image: what its pixel layers and its masks and selections are given. */
export interface ImagePlacement {
  /** undefined: the image's own size, no resampling */
  pixels?: Placement;
  masks?: Placement;
  /** for messages, e.g. "placed at 128×128, bicubic"; null when image and document are the same size */
  description: string | null;
}

/** The choice matters only when a document is open and its size differs from the image's. */
export function placementMatters(image: Size | null, doc: DocumentInfo | null): boolean {
  return image !== null && doc !== null && (doc.width !== image.width || doc.height !== image.height);
}

export function placeImage(image: Size, doc: DocumentInfo | null, settings: PlacementSettings): ImagePlacement {
  if (!doc || !placementMatters(image, doc)) return { description: null };
  if (settings.mode === "image") return { description: `placed 1:1 at ${image.width}×${image.height}, top-left` };
  const scale = Math.min(doc.width / image.width, doc.height / image.height);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  return {
    pixels: { width, height, resample: settings.resample },
    masks: { width, height, resample: MASK_RESAMPLE },
    description: `placed at ${width}×${height}, ${settings.resample}`,
  };
}
