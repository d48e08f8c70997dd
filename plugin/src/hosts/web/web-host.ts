/**
 * The Host over the web editor. Each `operation` is one transaction of the editor's store: its
 * changes show live and become one undo step when it finishes; when it fails, the document is put
 * back as it was. Operations run one at a time, in call order (don't start one inside another's
 * work: it would wait for itself). Progress shows in the status bar, whose Cancel button sets
 * `isCancelled`.
 *
 * Placement, stated so that nothing is silently misaligned: everything the panel adds sits at the
 * document's top-left corner, at `placement.width×height` when given (resampled with
 * `placement.resample`, bilinear when not stated; the status bar says so) or at its own size.
 * With no document open, addLayer makes one of the layer's size. A mask must end up at its
 * layer's size (an error says which placement fixes it); a selection smaller than the document
 * covers its top-left part. Pixels are copied in and out: the panel may reuse its buffers.
 */
import { ActiveLayer, DocumentInfo, GrayImage, Host, HostTask, LayerRef, NewLayerOptions, PixelImage, Placement } from "../host";
import * as D from "../../editor/document";
import { layerInDocument } from "../../editor/composite";
import { GrayRaster, RgbaRaster, checkGray, checkRgba, sameSize, sizeText } from "../../editor/raster";
import { ResampleMethod, resampleGray, resampleRgba } from "../../editor/resample";
import { EditorStore, Transaction } from "../../editor/store";

/** What the host needs from the status bar. */
export interface ProgressDisplay {
  startProgress(title: string): { update(fraction: number | null, message?: string): void; readonly cancelled: boolean; done(): void };
  show(text: string, kind?: "info" | "error"): void;
}

const DEFAULT_RESAMPLE: ResampleMethod = "bilinear";

export class WebHost implements Host {
  readonly kind = "web" as const;
  private readonly transactions = new WeakMap<HostTask, Transaction>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: EditorStore,
    private readonly progress: ProgressDisplay,
  ) {}

  async document(): Promise<DocumentInfo | null> {
    const doc = this.store.doc;
    return doc ? { width: doc.width, height: doc.height, title: doc.title } : null;
  }

  async activeLayer(): Promise<ActiveLayer | null> {
    const layer = this.store.doc && D.activeLayer(this.store.doc);
    return layer ? { ref: { id: layer.id, name: layer.name }, data: layer.metadata } : null;
  }

  async hasLayer(ref: LayerRef): Promise<boolean> {
    return this.store.doc?.layers.some((l) => l.id === ref.id) ?? false;
  }

  /** Every change of the document (a new active layer, an undo, an opened file) calls `listener`. */
  onChange(listener: () => void): () => void {
    return this.store.subscribe(() => listener());
  }

  operation<T>(title: string, work: (task: HostTask) => Promise<T>): Promise<T> {
    const run = async () => {
      const transaction = this.store.begin(title);
      const display = this.progress.startProgress(title);
      const task: HostTask = {
        reportProgress: (fraction, message) => display.update(fraction, message),
        isCancelled: () => display.cancelled,
      };
      this.transactions.set(task, transaction);
      try {
        const result = await work(task);
        transaction.commit();
        return result;
      } catch (err) {
        transaction.rollback();
        throw err;
      } finally {
        display.done();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async addLayer(task: HostTask, options: NewLayerOptions): Promise<LayerRef> {
    const transaction = this.transactionOf(task);
    const pixels = this.place(checkRgba(copyRgba(options.pixels)), options.placement, `layer "${options.name}"`);
    let mask: GrayRaster | null = null;
    if (options.mask) {
      if (!sameSize(options.mask, options.pixels)) throw new RangeError(`the mask of "${options.name}" is ${sizeText(options.mask)}; its pixels are ${sizeText(options.pixels)}`);
      mask = placeGray(checkGray(copyGray(options.mask)), pixels, options.placement);
    }
    const id = this.store.newLayerId();
    const doc = this.store.doc;
    if (doc && !sameSize(doc, pixels)) this.progress.show(`Layer "${options.name}" (${sizeText(pixels)}) is at the top-left of the ${sizeText(doc)} image`);
    transaction.change((doc) => {
      const base = doc ?? D.newDocument(pixels.width, pixels.height, options.name);
      return D.addLayer(base, D.createLayer({ id, name: options.name, pixels, mask: mask && { image: mask, enabled: true }, metadata: options.data ?? null }));
    });
    return { id, name: options.name };
  }

  async updateLayer(task: HostTask, layer: LayerRef, pixels: PixelImage, placement?: Placement): Promise<void> {
    const transaction = this.transactionOf(task);
    const old = this.layerOf(layer);
    const next = this.place(checkRgba(copyRgba(pixels)), placement, `layer "${old.name}"`);
    // A mask follows its layer when the layer's size changes.
    const mask = old.mask && !sameSize(old.mask.image, next) ? { ...old.mask, image: resampleGray(old.mask.image, next.width, next.height, DEFAULT_RESAMPLE) } : old.mask;
    transaction.change((doc) => D.updateLayer(doc!, layer.id, { pixels: next, mask }), true);
  }

  async setLayerMask(task: HostTask, layer: LayerRef, mask: GrayImage, placement?: Placement): Promise<void> {
    const transaction = this.transactionOf(task);
    const target = this.layerOf(layer);
    const placed = placeGray(checkGray(copyGray(mask)), placementSize(mask, placement), placement);
    if (!sameSize(placed, target.pixels)) {
      throw new RangeError(`a mask of ${sizeText(placed)} does not fit layer "${target.name}" (${sizeText(target.pixels)}): pass a placement of ${sizeText(target.pixels)}`);
    }
    transaction.change((doc) => D.setLayerMask(doc!, layer.id, placed));
  }

  async setSelection(task: HostTask, mask: GrayImage, placement?: Placement): Promise<void> {
    const transaction = this.transactionOf(task);
    const doc = this.requireDocument();
    const placed = placeGray(checkGray(copyGray(mask)), placementSize(mask, placement), placement);
    const selection = sameSize(placed, doc) ? placed : atTopLeft(placed, doc);
    transaction.change((d) => D.setSelection(d!, selection));
  }

  /** The document's layer for a ref, or an error that names the layer as the user knows it. */
  private layerOf(ref: LayerRef): D.Layer {
    const layer = this.requireDocument().layers.find((l) => l.id === ref.id);
    if (!layer) throw new Error(`the layer "${ref.name}" is no longer in the document; generate the image again`);
    return layer;
  }

  async readLayer(task: HostTask, layer?: LayerRef): Promise<PixelImage> {
    this.transactionOf(task);
    const doc = this.requireDocument();
    const target = layer ? this.layerOf(layer) : D.activeLayer(doc);
    if (!target) throw new Error("the document has no active layer");
    // Document-sized, like Photoshop's getPixels over the document's bounds.
    const pixels = layerInDocument(doc, target);
    return { width: pixels.width, height: pixels.height, rgba: pixels.rgba.slice() };
  }

  async deleteLayer(task: HostTask, layer: LayerRef): Promise<void> {
    const transaction = this.transactionOf(task);
    transaction.change((doc) => D.removeLayer(doc ?? this.requireDocument(), layer.id));
  }

  private transactionOf(task: HostTask): Transaction {
    const transaction = this.transactions.get(task);
    if (!transaction?.isOpen) throw new Error("host methods must be called inside host.operation(), with the task it passed");
    return transaction;
  }

  private requireDocument(): D.EditorDocument {
    const doc = this.store.doc;
    if (!doc) throw new Error("no document is open");
    return doc;
  }

  /** Resizes to the placement's size (stated resampling), telling the user when it did. */
  private place(pixels: RgbaRaster, placement: Placement | undefined, what: string): RgbaRaster {
    const size = placementSize(pixels, placement);
    if (sameSize(size, pixels)) return pixels;
    const method = placement?.resample ?? DEFAULT_RESAMPLE;
    this.progress.show(`Scaled ${what} from ${sizeText(pixels)} to ${sizeText(size)} (${method})`);
    return resampleRgba(pixels, size.width, size.height, method);
  }
}

function placementSize(image: { width: number; height: number }, placement?: Placement): { width: number; height: number } {
  return { width: placement?.width ?? image.width, height: placement?.height ?? image.height };
}

function placeGray(mask: GrayRaster, size: { width: number; height: number }, placement?: Placement): GrayRaster {
  return resampleGray(mask, size.width, size.height, placement?.resample ?? DEFAULT_RESAMPLE);
}

/** The gray image on a document-sized one, at the top-left; the rest is unselected. */
function atTopLeft(mask: GrayRaster, doc: { width: number; height: number }): GrayRaster {
  const gray = new Uint8Array(doc.width * doc.height);
  const w = Math.min(mask.width, doc.width);
  for (let y = 0; y < Math.min(mask.height, doc.height); y++) gray.set(mask.gray.subarray(y * mask.width, y * mask.width + w), y * doc.width);
  return { width: doc.width, height: doc.height, gray };
}

// Typed-array copies (one memcpy; Uint8Array.from iterates element by element: 1–2 ms a preview frame).
const copyRgba = (image: PixelImage): RgbaRaster => ({ width: image.width, height: image.height, rgba: new Uint8Array(image.rgba) });
const copyGray = (image: GrayImage): GrayRaster => ({ width: image.width, height: image.height, gray: new Uint8Array(image.gray) });
