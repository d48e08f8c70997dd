/**
 * What PandA keeps with every layer it makes, so that the layer — not "the image generated last" —
 * is what the panel acts on, and so that a saved document (.ora, or a Photoshop file with layer
 * metadata) can be reopened and edited further: the generator's model, latent and truncation
 * (enough to generate the image again), where the image was placed, and, for derived layers, the
 * parts and edits that made them. Stored as JSON text by the host; read back with a check of every
 * field, since a document may come from anywhere.
 */
import type { ImagePlacement } from "./placement";

export const ORIGIN_VERSION = 1;

/** What a layer shows: the generated image, or something derived from it. */
export type LayerKind = "image" | "edit" | "removal" | "saliency" | "preview";
const KINDS: readonly LayerKind[] = ["image", "edit", "removal", "saliency", "preview"];

export interface OriginEdit {
  parts: number[];
  appearance: number;
  strength: number;
}

export interface LayerOrigin {
  version: typeof ORIGIN_VERSION;
  kind: LayerKind;
  model: string;
  seed: number | null;
  /** the latent before truncation, as the server reported it */
  latent: number[];
  truncation: number;
  /** the name the generated layer was given: derived layers are named after it */
  title: string;
  /** the image as the model made it */
  width: number;
  height: number;
  placement: ImagePlacement;
  /** the parts (factorisation id) a derived layer was made with; null for the image itself */
  factorisation: string | null;
  /** an edit layer's edits; a removal's parts as one entry with strength 0 */
  edits: OriginEdit[];
}

export function encodeOrigin(origin: LayerOrigin): string {
  return JSON.stringify(origin);
}

/** A layer's data as an origin; null when PandA did not make the layer (no data, or another program's). */
export function decodeOrigin(text: string | null | undefined): LayerOrigin | null {
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return isOrigin(value) ? value : null;
}

/** Two origins show the same generated image (edits aside): the parts and thumbnails carry over. */
export function sameImage(a: LayerOrigin, b: LayerOrigin): boolean {
  return a.model === b.model && a.truncation === b.truncation && a.latent.length === b.latent.length && a.latent.every((v, i) => v === b.latent[i]);
}

/** A short key of the generated image, for the session's map of server image ids. */
export function imageKey(origin: LayerOrigin): string {
  return `${origin.model}|${origin.truncation}|${origin.latent.join(",")}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isSize = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

function isPlacementPart(v: unknown): boolean {
  if (v === undefined) return true;
  return isRecord(v) && (v.width === undefined || isSize(v.width)) && (v.height === undefined || isSize(v.height)) && (v.resample === undefined || ["nearest", "bilinear", "bicubic"].includes(v.resample as string));
}

function isOrigin(v: unknown): v is LayerOrigin {
  if (!isRecord(v) || v.version !== ORIGIN_VERSION) return false;
  const placement = v.placement;
  return (
    KINDS.includes(v.kind as LayerKind) &&
    typeof v.model === "string" &&
    v.model.length > 0 &&
    (v.seed === null || isIndex(v.seed)) &&
    Array.isArray(v.latent) &&
    v.latent.length > 0 &&
    v.latent.every(isFiniteNumber) &&
    isFiniteNumber(v.truncation) &&
    typeof v.title === "string" &&
    isSize(v.width) &&
    isSize(v.height) &&
    isRecord(placement) &&
    isPlacementPart(placement.pixels) &&
    isPlacementPart(placement.masks) &&
    (placement.description === null || typeof placement.description === "string") &&
    (v.factorisation === null || typeof v.factorisation === "string") &&
    Array.isArray(v.edits) &&
    v.edits.every((e) => isRecord(e) && Array.isArray(e.parts) && e.parts.every(isIndex) && isIndex(e.appearance) && isFiniteNumber(e.strength))
  );
}
