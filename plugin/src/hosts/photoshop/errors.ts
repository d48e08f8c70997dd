/**
 * The errors the Photoshop host raises, each with a code and a message that tells the user what to
 * do, and the mapping from what Photoshop throws to them.
 */

export const PHOTOSHOP_ERRORS = {
  NO_DOCUMENT: "No document is open in Photoshop. Open or create one, or generate a face to start a new document.",
  MODAL_BUSY:
    "Photoshop is busy with another plugin or dialog (it is in a modal state). Finish or cancel that, then try again.",
  CANCELLED: "Cancelled in Photoshop; the document is as it was before.",
  LAYER_NOT_FOUND: "The layer is no longer in the active document (it was deleted, or another document is active).",
  NO_ACTIVE_LAYER: "Select a layer in the Layers panel first.",
  LAYER_NOT_CREATED: "Photoshop did not create the new layer.",
  DOCUMENT_NOT_CREATED: "Photoshop did not create the new document.",
  BAD_IMAGE: "The image does not match its stated size.",
  BAD_PLACEMENT: "A placement needs a whole number of pixels, at least 1, for its width and height.",
  OUTSIDE_OPERATION: "Photoshop host methods must be called inside host.operation() with the task it gives.",
} as const;

export type PhotoshopErrorCode = keyof typeof PHOTOSHOP_ERRORS;

export class PhotoshopHostError extends Error {
  override readonly name = "PhotoshopHostError";
  constructor(
    readonly code: PhotoshopErrorCode,
    detail?: string,
  ) {
    super(detail ? `${PHOTOSHOP_ERRORS[code]} (${detail})` : PHOTOSHOP_ERRORS[code]);
  }
}

/** Photoshop rejects `executeAsModal` with error number 9 while another plugin holds the modal state. */
const MODAL_STATE_ERROR_NUMBER = 9;

function isModalBusy(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { number, message } = error as { number?: unknown; message?: unknown };
  return number === MODAL_STATE_ERROR_NUMBER || (typeof message === "string" && /modal state/i.test(message));
}

/**
 * Turns what an operation threw into the error the panel shows. Errors that are not Photoshop's
 * (the companion server is down, a bad request) pass through unchanged, so the panel can show the
 * client's own message.
 */
export function toHostError(error: unknown, cancelled: boolean): unknown {
  if (error instanceof PhotoshopHostError) return error;
  if (cancelled) return new PhotoshopHostError("CANCELLED");
  if (isModalBusy(error)) return new PhotoshopHostError("MODAL_BUSY");
  return error;
}
