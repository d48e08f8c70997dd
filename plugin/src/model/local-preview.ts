/**
 * A frame source for the live preview that renders in the page (the "server + local tail" mode):
 * the server holds the image, the page holds its features, the factorisation and the model's
 * tail, and each slider step is rendered without a request. `render` answers null whenever it
 * cannot (not loaded yet, not eligible, a failed download): the panel then asks the server, so
 * the preview never waits for the page's downloads. Apply always asks the server.
 */
import type { EditRequest } from "@server-api/image-parts";
import type { PixelImage } from "../hosts/host";

export interface PreviewImage {
  /** the server's image id */
  id: string;
  model: string;
}

/** Where the live preview's frames come from, as the panel says it. */
export interface LocalPreviewStatus {
  where: "page" | "loading" | "server";
  /** why the frames come from the server (where: "server"), in the user's words */
  reason: string | null;
}

export interface LocalPreview {
  /** The edit's pixels rendered in this page, or null when they cannot be (the caller asks the server). */
  render(image: PreviewImage, request: EditRequest, draft: boolean): Promise<(PixelImage & { draft: boolean }) | null>;
  /** Starts fetching what `render` needs for this image and factorisation, with the parts refined for the image when `refine` (returns at once). */
  prepare(image: PreviewImage, factorisation: string, options?: { refine?: boolean }): void;
  /** Stops the worker; the object is not used again. */
  dispose(): void;
}

/** The user's setting: render previews in this page when the model's tail is at most this many MB (0: never). */
export const DEFAULT_PAGE_PREVIEW_LIMIT_MB = 64;
