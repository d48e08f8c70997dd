/**
 * The Photoshop implementation of the panel's Host, over the `photoshop` module (imaging API,
 * Photoshop 24.4+). Every change happens inside `operation()`: one executeAsModal scope, one undo
 * step, progress in Photoshop's progress bar, and the user's cancel (Esc) honoured.
 */
import type { ActiveLayer, DocumentInfo, GrayImage, Host, HostTask, LayerRef, NewLayerOptions, PixelImage, Placement } from "../host";
import { PhotoshopHostError } from "./errors";
import { modalTask, runModal, type ModalTask } from "./modal-task";
import type { PhotoshopApi, PsDocument, PsLayer } from "./photoshop-api";
import { placedBounds, withMaskData, withPixelData } from "./placed-image";
import { readLayerPixels } from "./read-layer";
import { readLayerData, writeLayerData } from "./layer-metadata";

function findLayer(layers: ReadonlyArray<PsLayer>, id: number): PsLayer | null {
  for (const layer of layers) {
    if (layer.id === id) return layer;
    const inGroup = layer.layers ? findLayer(layer.layers, id) : null;
    if (inGroup) return inGroup;
  }
  return null;
}

/**
 * Photoshop's action notifications after which the active layer may be another: a layer or document
 * selected in Photoshop's panels ("select"), layers made or deleted, documents opened or closed.
 */
export const ACTIVE_LAYER_EVENTS = ["select", "make", "delete", "open", "close"] as const;

export class PhotoshopHost implements Host {
  readonly kind = "photoshop" as const;

  constructor(private readonly ps: PhotoshopApi) {}

  async document(): Promise<DocumentInfo | null> {
    const doc = this.activeDocument();
    return doc ? { width: doc.width, height: doc.height, title: doc.title } : null;
  }

  async activeLayer(): Promise<ActiveLayer | null> {
    const doc = this.activeDocument();
    const layer = doc?.activeLayers[0];
    if (!doc || !layer) return null;
    return { ref: { id: String(layer.id), name: layer.name }, data: await readLayerData(this.ps.action, doc.id, layer.id) };
  }

  /** The panel follows the user's selection in Photoshop: `listener` runs after each of ACTIVE_LAYER_EVENTS. */
  onChange(listener: () => void): () => void {
    const events = [...ACTIVE_LAYER_EVENTS];
    const notifier = () => listener();
    // a failed subscription leaves the panel's own checks (on pointer entry, before each action)
    void this.ps.action.addNotificationListener(events, notifier).catch(() => undefined);
    return () => void this.ps.action.removeNotificationListener(events, notifier).catch(() => undefined);
  }

  async hasLayer(ref: LayerRef): Promise<boolean> {
    const doc = this.activeDocument();
    return doc !== null && findLayer(doc.layers, Number(ref.id)) !== null;
  }

  operation<T>(title: string, work: (task: HostTask) => Promise<T>): Promise<T> {
    return runModal(this.ps.core, title, work);
  }

  async addLayer(task: HostTask, options: NewLayerOptions): Promise<LayerRef> {
    const modal = modalTask(task);
    const doc = this.activeDocument() ?? (await this.newDocumentFor(modal, options));
    await modal.beginChanges(doc);
    const layer = await doc.createPixelLayer({ name: options.name });
    if (!layer) throw new PhotoshopHostError("LAYER_NOT_CREATED");
    await this.putPixels(modal, doc, layer, options.pixels, options.placement);
    if (options.data !== undefined) {
      modal.throwIfCancelled();
      await writeLayerData(this.ps.action, doc.id, layer.id, options.data);
    }
    if (options.mask) {
      // The mask covers exactly the placed pixels, whatever its own size.
      const { width, height } = placedBounds(options.pixels, options.placement);
      await this.putMask(modal, doc, layer, options.mask, { ...options.placement, width, height });
    }
    return { id: String(layer.id), name: layer.name };
  }

  async updateLayer(task: HostTask, ref: LayerRef, pixels: PixelImage, placement?: Placement): Promise<void> {
    const modal = modalTask(task);
    const { doc, layer } = this.requireLayer(ref);
    await modal.beginChanges(doc);
    await this.putPixels(modal, doc, layer, pixels, placement);
  }

  async setLayerMask(task: HostTask, ref: LayerRef, mask: GrayImage, placement?: Placement): Promise<void> {
    const modal = modalTask(task);
    const { doc, layer } = this.requireLayer(ref);
    await modal.beginChanges(doc);
    await this.putMask(modal, doc, layer, mask, placement);
  }

  async setSelection(task: HostTask, mask: GrayImage, placement?: Placement): Promise<void> {
    const modal = modalTask(task);
    const doc = this.requireDocument();
    await modal.beginChanges(doc);
    await withMaskData(this.ps.imaging, mask, placement, (imageData, targetBounds) => {
      modal.throwIfCancelled();
      return this.ps.imaging.putSelection({ documentID: doc.id, imageData, targetBounds, replace: true });
    });
  }

  async readLayer(task: HostTask, ref?: LayerRef): Promise<PixelImage> {
    const modal = modalTask(task);
    modal.throwIfCancelled();
    const doc = this.requireDocument();
    const layer = ref ? this.requireLayer(ref).layer : doc.activeLayers[0];
    if (!layer) throw new PhotoshopHostError("NO_ACTIVE_LAYER");
    return readLayerPixels(this.ps.imaging, doc, layer.id);
  }

  async deleteLayer(task: HostTask, ref: LayerRef): Promise<void> {
    const modal = modalTask(task);
    const { doc, layer } = this.requireLayer(ref);
    await modal.beginChanges(doc);
    layer.delete();
  }

  /** Photoshop's activeDocument is declared non-null but there is none while no document is open. */
  private activeDocument(): PsDocument | null {
    return this.ps.app.documents.length > 0 ? this.ps.app.activeDocument : null;
  }

  private requireDocument(): PsDocument {
    const doc = this.activeDocument();
    if (!doc) throw new PhotoshopHostError("NO_DOCUMENT");
    return doc;
  }

  private requireLayer(ref: LayerRef): { doc: PsDocument; layer: PsLayer } {
    const doc = this.requireDocument();
    const layer = findLayer(doc.layers, Number(ref.id));
    if (!layer) throw new PhotoshopHostError("LAYER_NOT_FOUND", `"${ref.name}"`);
    return { doc, layer };
  }

  /** A new RGB document the size the image will be placed at, closed again if the operation fails. */
  private async newDocumentFor(modal: ModalTask, options: NewLayerOptions): Promise<PsDocument> {
    modal.throwIfCancelled();
    const { width, height } = placedBounds(options.pixels, options.placement);
    const { NewDocumentMode, DocumentFill } = this.ps.constants;
    const doc = await this.ps.app.documents.add({
      name: options.name,
      width,
      height,
      resolution: 72,
      mode: NewDocumentMode.RGB,
      fill: DocumentFill.WHITE,
    });
    if (!doc) throw new PhotoshopHostError("DOCUMENT_NOT_CREATED");
    await modal.adoptNewDocument(doc);
    return doc;
  }

  private putPixels(modal: ModalTask, doc: PsDocument, layer: PsLayer, pixels: PixelImage, placement?: Placement) {
    return withPixelData(this.ps.imaging, pixels, placement, (imageData, targetBounds) => {
      modal.throwIfCancelled();
      return this.ps.imaging.putPixels({ documentID: doc.id, layerID: layer.id, imageData, targetBounds, replace: true });
    });
  }

  private putMask(modal: ModalTask, doc: PsDocument, layer: PsLayer, mask: GrayImage, placement?: Placement) {
    return withMaskData(this.ps.imaging, mask, placement, (imageData, targetBounds) => {
      modal.throwIfCancelled();
      return this.ps.imaging.putLayerMask({ documentID: doc.id, layerID: layer.id, imageData, targetBounds, replace: true });
    });
  }
}
