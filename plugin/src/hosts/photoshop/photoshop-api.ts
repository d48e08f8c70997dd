/**
 * The part of Photoshop's `photoshop` module that the host adapter uses, picked from Adobe's own
 * declarations (@types/photoshop). The adapter receives this object instead of calling
 * `require("photoshop")` itself, so tests hand it a recording mock, and the entry point proves at
 * compile time that the real module fits (`new PhotoshopHost(photoshop)`).
 */
import type { action, constants, core, imaging } from "photoshop";
import type { imaging as ImagingTypes } from "photoshop/dom/ImagingModule";
import type { Document } from "photoshop/dom/Document";
import type { Layer } from "photoshop/dom/Layer";
import type { DocumentCreateOptions } from "photoshop/dom/types/DocumentTypes";
import type { PixelLayerCreateOptions } from "photoshop/dom/types/LayerTypes";

export type { ExecutionContext } from "photoshop/dom/CoreModules";
export type PhotoshopImageData = ImagingTypes.PhotoshopImageData;

/** A layer; groups hold their children in `layers`. */
export type PsLayer = Pick<Layer, "id" | "name" | "delete"> & {
  readonly layers: ReadonlyArray<PsLayer> | null;
};

export type PsDocument = Pick<Document, "id" | "title" | "width" | "height"> & {
  readonly layers: ReadonlyArray<PsLayer>;
  readonly activeLayers: ReadonlyArray<PsLayer>;
  createPixelLayer(options?: PixelLayerCreateOptions): Promise<PsLayer | null>;
};

export interface PsApp {
  /** Declared non-null, but there is no active document while `documents` is empty. */
  readonly activeDocument: PsDocument | null;
  readonly documents: {
    readonly length: number;
    add(options?: DocumentCreateOptions): Promise<PsDocument | null>;
  };
}

export interface PhotoshopApi {
  app: PsApp;
  core: Pick<typeof core, "executeAsModal">;
  imaging: Pick<typeof imaging, "createImageDataFromBuffer" | "putPixels" | "putLayerMask" | "putSelection" | "getPixels">;
  constants: Pick<typeof constants, "NewDocumentMode" | "DocumentFill">;
  /** batchPlay: layer XMP metadata, which the DOM does not expose; notifications: the user selected another layer or document */
  action: Pick<typeof action, "batchPlay" | "addNotificationListener" | "removeNotificationListener">;
}
