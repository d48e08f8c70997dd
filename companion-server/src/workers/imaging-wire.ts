/**
 * The messages between the server's thread and its imaging threads (imaging-pool.ts,
 * imaging-worker.ts): each operation's task and what it answers. Answers are transferred.
 */
import type { RgbaImage } from "../runtime/image-codec";
import type { MaskKind } from "../engine/panda/image-parts";
import type { Upsampling } from "../engine/imaging/mask-upsampling";
import type { Matrix } from "../engine/tensor/matrix";
import type { PartFactors } from "../engine/panda/types";

/** 8-bit gray pixels (masks). */
export interface GrayImage {
  width: number;
  height: number;
  gray: Uint8Array;
}

/** Every operation: what it is sent and what it answers. */
export interface ImagingOps {
  /** one image of an N·C·H·W tensor batch → RGBA (tensorToRgba) */
  rgba: { task: { data: Float32Array; index: number; channels: number; width: number; height: number; range: readonly [number, number] }; result: RgbaImage };
  /**
   * The mask of a union of parts (partMaps, maskOf, toGray8). The part maps at image size are
   * kept by the thread under `key` (one image, one factorisation, refined or not, one upsampling),
   * so further masks of that image cost only the union.
   */
  mask: {
    task: {
      key: string;
      image: RgbaImage;
      factors: PartFactors;
      refinedParts?: Float32Array;
      upsampling: Upsampling;
      parts: readonly number[];
      kind: MaskKind;
      threshold?: number;
      feather?: number;
    };
    result: GrayImage;
  };
  /** a factorisation's contact sheet as PNG bytes (renderContactSheet) */
  contactSheet: { task: { factors: PartFactors; samples: readonly RgbaImage[]; size: { width: number; height: number } }; result: Uint8Array };
  /** per-image parts by clustering (clusterParts) */
  cluster: { task: { coords: Matrix; globalParts: Matrix; iterations: number }; result: Float32Array };
}

export type ImagingOp = keyof ImagingOps;
export const IMAGING_OPS: readonly ImagingOp[] = ["rgba", "mask", "contactSheet", "cluster"];

export type ImagingRequest<K extends ImagingOp = ImagingOp> = K extends ImagingOp ? { op: K } & ImagingOps[K]["task"] : never;

/** What a thread answers: the result and the thread that computed it. */
export type ImagingReply<K extends ImagingOp = ImagingOp> = { id: number; ok: true; threadId: number; result: ImagingOps[K]["result"] } | { id: number; ok: false; message: string };
