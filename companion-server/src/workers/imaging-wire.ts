/**
 * The messages between the server's thread and its imaging threads (imaging-pool.ts,
 * imaging-worker.ts): each operation's task and what it answers. Answers are transferred.
 */
import type { RgbaImage } from "../runtime/image-codec";
import type { MaskKind } from "../engine/panda/image-parts";
import type { PixelChange } from "../engine/panda/appearance-ranking";
import type { Upsampling } from "../engine/imaging/mask-upsampling";
import type { SpatialMap } from "../engine/panda/maps";
import type { PixelFill } from "../engine/panda/removal";
import type { FeatureSaliency, SaliencyStats } from "../engine/panda/saliency";
import type { Matrix } from "../engine/tensor/matrix";
import type { Factors, PartFactors } from "../engine/panda/types";

/** 8-bit gray pixels (masks). */
export interface GrayImage {
  width: number;
  height: number;
  gray: Uint8Array;
}

/** 16-bit gray pixels (a heat map without 8-bit steps). */
export interface Gray16Image {
  width: number;
  height: number;
  gray16: Uint16Array;
}

/**
 * What a thread needs for one image's part maps at image size. It keeps them under `key` (one
 * image, one factorisation, refined or not, one upsampling), so further requests of that image
 * cost only what they add; the image's guided-filter statistics are kept under `imageId`.
 */
export interface PartMapsTask {
  imageId: string;
  key: string;
  image: RgbaImage;
  factors: PartFactors;
  refinedParts?: Float32Array;
  upsampling: Upsampling;
}

/** A feature-resolution map of one image to take to image size (guided by the image). */
export interface UpsampleTask {
  imageId: string;
  image: RgbaImage;
  map: SpatialMap;
  upsampling: Upsampling;
}

/** Every operation: what it is sent and what it answers. */
export interface ImagingOps {
  /** one image of an N·C·H·W tensor batch → RGBA (tensorToRgba) */
  /** the mask of a union of parts (imagePartMaps, maskOf, toGray8) */
  mask: {
    task: PartMapsTask & {
      parts: readonly number[];
      kind: MaskKind;
      threshold?: number;
      feather?: number;
    };
    result: GrayImage;
  };
  /** a factorisation's contact sheet as PNG bytes (renderContactSheet) */
  contactSheet: { task: { factors: PartFactors; samples: readonly RgbaImage[]; size: { width: number; height: number } }; result: Uint8Array };
  /** every part as a coloured overlay on the image, and its coverage (partThumbnails, partCoverage) */
  parts: { task: PartMapsTask; result: { thumbnails: RgbaImage[]; coverage: number[] } };
  /** saliency at image size (saliencyOfMap): the heat map as 8-bit or (heat16) 16-bit gray, or the mask at the threshold */
  saliency: { task: UpsampleTask & { threshold: number; output: "heat" | "heat16" | "mask" }; result: GrayImage | Gray16Image };
  /** an edited or removed region at image size, clamped to 0…1, as 8-bit gray */
  region: { task: UpsampleTask; result: GrayImage };
  /** pixel-space removal (removeInPixels) of the parts' binary mask, filled from the background's presence; and that mask */
  pixelRemoval: { task: PartMapsTask & { parts: readonly number[]; presence: FeatureSaliency; fill: PixelFill }; result: { image: RgbaImage; region: GrayImage } };
  /** what each edited image changed inside and outside the parts' soft mask (maskOf, changesInside): the appearance browser's previews */
  pixelChanges: { task: PartMapsTask & { parts: readonly number[]; edited: readonly RgbaImage[] }; result: PixelChange[] };
  /** one image's coordinates AᵀZ (coordinates) */
  coordinates: { task: { factors: Factors; features: Float32Array }; result: Float32Array };
  /** feature-space removal (removeInFeatures): Z' and the removed region at feature resolution */
  featureRemoval: {
    task: { factors: Factors; features: Float32Array; coords: Float32Array; stats: SaliencyStats; parts: readonly number[]; background: number; refinedParts?: Float32Array };
    result: { features: Float32Array; region: SpatialMap };
  };
  /** per-image parts by clustering (clusterParts) */
  cluster: { task: { coords: Matrix; globalParts: Matrix; iterations: number; centres?: Matrix }; result: Float32Array };
}

export type ImagingOp = keyof ImagingOps;
export const IMAGING_OPS: readonly ImagingOp[] = ["mask", "parts", "saliency", "region", "pixelRemoval", "pixelChanges", "coordinates", "featureRemoval", "contactSheet", "cluster"];

/** The operations on one generated image (their tasks name it): the pool sends them to the thread that keeps its maps. */
export type ImageOp = { [K in ImagingOp]: ImagingOps[K]["task"] extends { imageId: string } ? K : never }[ImagingOp];

export type ImagingRequest<K extends ImagingOp = ImagingOp> = K extends ImagingOp ? { op: K } & ImagingOps[K]["task"] : never;

/** What a thread answers: the result and the thread that computed it. */
export type ImagingReply<K extends ImagingOp = ImagingOp> = { id: number; ok: true; threadId: number; result: ImagingOps[K]["result"] } | { id: number; ok: false; message: string };
