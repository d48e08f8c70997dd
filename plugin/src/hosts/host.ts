/**
 * The document side of the panel: everything the panel does to an editor's document goes
 * through this interface; one implementation per editor (web canvas, Photoshop).
 * Pixels cross it as raw bytes (the Photoshop panel cannot decode PNG).
 */

export interface PixelImage {
  width: number;
  height: number;
  /** width·height·4 bytes, straight alpha */
  rgba: Uint8Array;
}

export interface GrayImage {
  width: number;
  height: number;
  /** width·height bytes, 0 = unselected/hidden, 255 = selected/visible */
  gray: Uint8Array;
}

export interface DocumentInfo {
  width: number;
  height: number;
  /** null when the host has no open document */
  title: string | null;
}

/** How a generated image is placed when its size differs from the document's. */
export interface Placement {
  /** target size in document pixels; defaults to the image's own size */
  width?: number;
  height?: number;
  /** stated resampling when the size changes */
  resample?: "nearest" | "bilinear" | "bicubic";
}

export interface NewLayerOptions {
  name: string;
  pixels: PixelImage;
  placement?: Placement;
  /** a layer mask at the same size as the pixels */
  mask?: GrayImage;
  /** text the panel keeps with the layer (what made it); saved with the document */
  data?: string;
}

/** A long operation's progress; `isCancelled` lets a host's own cancel (Photoshop's modal) stop the work. */
export interface HostTask {
  reportProgress(fraction: number, message?: string): void;
  isCancelled(): boolean;
}

export interface LayerRef {
  id: string;
  name: string;
}

/** The layer the user has selected, and the text the panel kept with it (null: none, e.g. not made by the panel). */
export interface ActiveLayer {
  ref: LayerRef;
  data: string | null;
}

export interface Host {
  readonly kind: "web" | "photoshop";
  /** Size and title of the active document, or null when none is open. */
  document(): Promise<DocumentInfo | null>;
  /** The active document's active layer with its panel data, or null when there is none. */
  activeLayer(): Promise<ActiveLayer | null>;
  /** Whether the layer is still in the active document (the user may have deleted it). */
  hasLayer(layer: LayerRef): Promise<boolean>;
  /** Calls `listener` when the document or its active layer may have changed, where the host can tell; returns an unsubscribe. */
  onChange?(listener: () => void): () => void;
  /**
   * Runs `work` as one document operation (one undo step, progress, cancellation).
   * All the methods below must be called inside `work` with the task it receives.
   */
  operation<T>(title: string, work: (task: HostTask) => Promise<T>): Promise<T>;
  /** Adds a pixel layer (a new document of the image's size when none is open). */
  addLayer(task: HostTask, options: NewLayerOptions): Promise<LayerRef>;
  /** Replaces the pixels of a layer in place (the live preview). */
  updateLayer(task: HostTask, layer: LayerRef, pixels: PixelImage, placement?: Placement): Promise<void>;
  /** Adds or replaces the layer mask of a layer. */
  setLayerMask(task: HostTask, layer: LayerRef, mask: GrayImage, placement?: Placement): Promise<void>;
  /** Replaces the document's selection. */
  setSelection(task: HostTask, mask: GrayImage, placement?: Placement): Promise<void>;
  /** Reads the pixels of a layer (the active one when no ref is given). */
  readLayer(task: HostTask, layer?: LayerRef): Promise<PixelImage>;
  deleteLayer(task: HostTask, layer: LayerRef): Promise<void>;
}
