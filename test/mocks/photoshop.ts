/**
 * A recording stand-in for Photoshop's `photoshop` module, typed against @types/photoshop through
 * the adapter's PhotoshopApi (a Pick of Adobe's declarations). It keeps just enough document state
 * to check journeys end to end: documents, layers with their pixels and masks, the selection, the
 * history panel (suspend/resume coalesce changes into one step, or roll them back), image data that
 * must be disposed, and the modal rules Photoshop enforces (changes only inside executeAsModal,
 * error 9 while another plugin is modal, refusal after the user cancels). Each layer keeps its XMP
 * metadata, read and written through the two batchPlay descriptors Photoshop answers for it.
 */
import type { ExecutionContext, PhotoshopApi, PhotoshopImageData, PsDocument, PsLayer } from "../../plugin/src/hosts/photoshop/photoshop-api";
import type { ActionDescriptor } from "photoshop/dom/CoreModules";
import type { DocumentFill, NewDocumentMode } from "photoshop/dom/Constants";
import type { imaging } from "photoshop/dom/ImagingModule";
import type { DocumentCreateOptions } from "photoshop/dom/types/DocumentTypes";
import type { PixelLayerCreateOptions } from "photoshop/dom/types/LayerTypes";

type Imaging = PhotoshopApi["imaging"];

/** One call into Photoshop, in order. */
export interface Call {
  api: string;
  args?: Record<string, unknown>;
}

/** What a put* call left in a layer, mask or selection, in document coordinates. */
export interface Placed {
  left: number;
  top: number;
  width: number;
  height: number;
  data: Uint8Array;
}

export class FakeImageData implements PhotoshopImageData {
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly colorSpace: imaging.ColorSpace;
  readonly colorProfile: string;
  readonly hasAlpha: boolean;
  readonly componentSize = 8 as const;
  readonly pixelFormat: imaging.PixelFormat;
  readonly chunky: boolean;
  readonly type = "image/uncompressed" as const;
  disposed = false;

  constructor(
    readonly buffer: Uint8Array,
    options: imaging.CreateImageDataFromBufferOptions,
    private readonly onDispose: (data: FakeImageData) => void,
  ) {
    if (!["RGB", "Grayscale", "Lab"].includes(options.colorSpace)) throw new Error(`invalid colorSpace ${options.colorSpace}`);
    if (buffer.length !== options.width * options.height * options.components) {
      throw new Error("createImageDataFromBuffer: buffer size does not match width × height × components");
    }
    this.width = options.width;
    this.height = options.height;
    this.components = options.components;
    this.colorSpace = options.colorSpace as imaging.ColorSpace;
    this.colorProfile = options.colorProfile ?? "";
    this.hasAlpha = options.components === 4 || options.components === 2;
    this.pixelFormat = this.colorSpace === "Grayscale" ? (this.hasAlpha ? "GrayscaleAlpha" : "Grayscale") : this.hasAlpha ? "RGBA" : "RGB";
    this.chunky = options.chunky ?? true;
  }

  getData = async (_options: imaging.GetDataOptions): Promise<Uint8Array> => {
    if (this.disposed) throw new Error("image data was disposed");
    return this.buffer;
  };

  dispose = async (): Promise<void> => {
    if (this.disposed) throw new Error("image data disposed twice");
    this.disposed = true;
    this.onDispose(this);
  };
}

export class FakeLayer implements PsLayer {
  readonly layers: FakeLayer[] | null = null;
  pixels: Placed | null = null;
  mask: Placed | null = null;
  /** the layer's XMP packet (Photoshop saves it in the PSD with the layer) */
  xmp: string | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    private readonly owner: FakeDocument,
  ) {}

  delete(): void {
    this.owner.change("delete", { layerID: this.id });
    this.owner.layers.splice(this.owner.layers.indexOf(this), 1);
    if (this.owner.activeLayerId === this.id) this.owner.activeLayerId = this.owner.layers.at(-1)?.id ?? null;
  }

  clone(owner: FakeDocument): FakeLayer {
    const copy = new FakeLayer(this.id, this.name, owner);
    copy.pixels = this.pixels;
    copy.mask = this.mask;
    copy.xmp = this.xmp;
    return copy;
  }
}

interface DocumentState {
  layers: FakeLayer[];
  selection: Placed | null;
}

export class FakeDocument implements PsDocument {
  layers: FakeLayer[] = [];
  selection: Placed | null = null;
  /** The History panel: one entry per undo step. */
  readonly history: string[] = [];
  /** Set while history is suspended: the state to roll back to. */
  suspendedAt: DocumentState | null = null;
  suspendedName = "";
  changedWhileSuspended = false;

  constructor(
    readonly id: number,
    readonly title: string,
    readonly width: number,
    readonly height: number,
    private readonly photoshop: FakePhotoshop,
  ) {}

  /** the id of the layer selected in the Layers panel; a new layer becomes the selected one */
  activeLayerId: number | null = null;

  get activeLayers(): FakeLayer[] {
    return this.layers.filter((l) => l.id === this.activeLayerId);
  }

  /** The user clicks a layer in the Layers panel (Photoshop then notifies "select" listeners). */
  select(layer: FakeLayer): void {
    if (!this.layers.includes(layer)) throw new Error(`layer ${layer.id} is not in this document`);
    this.activeLayerId = layer.id;
    this.photoshop.notify("select", { _obj: "select", _target: [{ _ref: "layer", _name: layer.name }], makeVisible: false, layerID: [layer.id] });
  }

  async createPixelLayer(options?: PixelLayerCreateOptions): Promise<FakeLayer> {
    this.change("createPixelLayer", { name: options?.name });
    const layer = new FakeLayer(this.photoshop.nextId(), options?.name ?? `Layer ${this.layers.length + 1}`, this);
    this.layers.push(layer);
    this.activeLayerId = layer.id;
    this.photoshop.notify("make", { _obj: "make", _target: [{ _ref: "layer" }], layerID: layer.id });
    return layer;
  }

  /** Every document change goes through here: modal rules, the call log, and history. */
  change(api: string, args?: Record<string, unknown>): void {
    this.photoshop.requireModal(api);
    this.photoshop.calls.push({ api, args: { documentID: this.id, ...args } });
    if (this.suspendedAt) this.changedWhileSuspended = true;
    else this.history.push(api);
  }

  snapshot(): DocumentState {
    return { layers: this.layers.map((layer) => layer.clone(this)), selection: this.selection };
  }

  restore(state: DocumentState): void {
    this.layers = state.layers;
    this.selection = state.selection;
  }
}

export class FakeExecutionContext implements ExecutionContext {
  isCancelled = false;
  onCancel: undefined | ((e?: { reason: string }) => void) = undefined;
  readonly progress: Array<{ value?: number; commandName?: string }> = [];
  readonly autoClose = new Set<number>();

  constructor(private readonly photoshop: FakePhotoshop) {}

  reportProgress = (params: { value?: number; commandName?: string }): void => {
    this.progress.push(params);
  };

  hostControl: ExecutionContext["hostControl"] = {
    suspendHistory: async ({ documentID, name }) => {
      const doc = this.photoshop.documentById(documentID);
      this.photoshop.calls.push({ api: "suspendHistory", args: { documentID, name } });
      if (doc.suspendedAt) throw new Error("history is already suspended");
      doc.suspendedAt = doc.snapshot();
      doc.suspendedName = name;
      doc.changedWhileSuspended = false;
      return { historySuspensionID: documentID };
    },
    resumeHistory: async ({ historySuspensionID, finalName }, commit = true) => {
      this.photoshop.calls.push({ api: "resumeHistory", args: { historySuspensionID, commit } });
      if (this.isCancelled) throw new Error("the modal scope was cancelled");
      this.photoshop.resume(this.photoshop.documentById(historySuspensionID), commit, finalName);
    },
    registerAutoCloseDocument: async (documentID) => {
      this.photoshop.calls.push({ api: "registerAutoCloseDocument", args: { documentID } });
      this.autoClose.add(documentID);
    },
    unregisterAutoCloseDocument: async (documentID) => {
      this.photoshop.calls.push({ api: "unregisterAutoCloseDocument", args: { documentID } });
      this.autoClose.delete(documentID);
    },
  };
}

export class FakePhotoshop {
  readonly calls: Call[] = [];
  readonly documents: FakeDocument[] = [];
  activeDocument: FakeDocument | null = null;
  /** Image data created and not yet disposed. */
  readonly liveImageData = new Set<FakeImageData>();
  /** True while another plugin holds Photoshop's modal state. */
  otherPluginModal = false;
  /** The running modal scope, if any. */
  context: FakeExecutionContext | null = null;
  /** The last modal scope, for looking at its progress after it ended. */
  lastContext: FakeExecutionContext | null = null;
  private ids = 100;

  nextId(): number {
    return this.ids++;
  }

  /** Opens a document, as the user would. */
  openDocument(title: string, width: number, height: number): FakeDocument {
    const doc = new FakeDocument(this.nextId(), title, width, height, this);
    const background = new FakeLayer(this.nextId(), "Background", doc);
    doc.layers.push(background);
    doc.activeLayerId = background.id;
    this.documents.push(doc);
    this.activeDocument = doc;
    this.notify("open", { _obj: "open", documentID: doc.id });
    return doc;
  }

  /** Listeners added with action.addNotificationListener, by event name. */
  private readonly notifiers = new Map<string, Set<(event: string, descriptor: ActionDescriptor) => void>>();

  /** As Photoshop does after an event: each listener of that event is called, after the event (never inside it). */
  notify(event: string, descriptor: ActionDescriptor): void {
    for (const notifier of this.notifiers.get(event) ?? []) setTimeout(() => notifier(event, descriptor), 0);
  }

  /** The user presses Esc (or Cancel in the progress bar) during the running modal scope. */
  cancel(): void {
    if (!this.context) throw new Error("nothing to cancel");
    this.context.isCancelled = true;
    this.context.onCancel?.({ reason: "user" });
  }

  documentById(id: number): FakeDocument {
    const doc = this.documents.find((d) => d.id === id);
    if (!doc) throw new Error(`no document ${id}`);
    return doc;
  }

  requireModal(api: string): void {
    if (!this.context) throw new Error(`${api}: changes to the document need a modal scope (executeAsModal)`);
    if (this.context.isCancelled) throw new Error(`${api}: the modal scope was cancelled`);
  }

  resume(doc: FakeDocument, commit: boolean, finalName?: string): void {
    if (!doc.suspendedAt) throw new Error("history is not suspended");
    if (!commit) doc.restore(doc.suspendedAt);
    else if (doc.changedWhileSuspended) doc.history.push(finalName ?? doc.suspendedName);
    doc.suspendedAt = null;
  }

  private closeDocument(doc: FakeDocument): void {
    this.calls.push({ api: "closeDocument", args: { documentID: doc.id } });
    this.documents.splice(this.documents.indexOf(doc), 1);
    if (this.activeDocument === doc) this.activeDocument = this.documents.at(-1) ?? null;
    this.notify("close", { _obj: "close", documentID: doc.id });
  }

  private layerIn(documentID: number | undefined, layerID: number): { doc: FakeDocument; layer: FakeLayer } {
    const doc = documentID === undefined ? this.activeDocument : this.documentById(documentID);
    const layer = doc?.layers.find((l) => l.id === layerID);
    if (!doc || !layer) throw new Error(`no layer ${layerID}`);
    return { doc, layer };
  }

  private placed(data: imaging.PhotoshopImageData, at?: { left: number; top: number }): Placed {
    const image = data as FakeImageData;
    if (image.disposed) throw new Error("image data was disposed");
    return { left: at?.left ?? 0, top: at?.top ?? 0, width: image.width, height: image.height, data: image.buffer };
  }

  private requireMaskData(api: string, data: imaging.PhotoshopImageData): void {
    if (data.components !== 1 || data.colorSpace !== "Grayscale") throw new Error(`${api}: masks need 1-component Grayscale data`);
  }

  readonly imaging: Imaging = {
    createImageDataFromBuffer: async (buffer, options) => {
      this.calls.push({ api: "createImageDataFromBuffer", args: { ...options } });
      const data = new FakeImageData(buffer as Uint8Array, options, (d) => {
        this.liveImageData.delete(d);
        this.calls.push({ api: "dispose" });
      });
      this.liveImageData.add(data);
      return data;
    },
    putPixels: async (options) => {
      const { doc, layer } = this.layerIn(options.documentID, options.layerID);
      doc.change("putPixels", { layerID: options.layerID, targetBounds: options.targetBounds, replace: options.replace });
      if (options.imageData.components !== 4 && options.imageData.components !== 3) throw new Error("putPixels: RGB(A) data expected");
      layer.pixels = this.placed(options.imageData, options.targetBounds);
    },
    putLayerMask: async (options) => {
      const { doc, layer } = this.layerIn(options.documentID, options.layerID);
      doc.change("putLayerMask", { layerID: options.layerID, targetBounds: options.targetBounds, replace: options.replace });
      this.requireMaskData("putLayerMask", options.imageData);
      layer.mask = this.placed(options.imageData, options.targetBounds);
    },
    putSelection: async (options) => {
      const doc = options.documentID === undefined ? this.activeDocument : this.documentById(options.documentID);
      if (!doc) throw new Error("no document");
      doc.change("putSelection", { targetBounds: options.targetBounds, replace: options.replace });
      this.requireMaskData("putSelection", options.imageData);
      doc.selection = this.placed(options.imageData, options.targetBounds);
    },
    getPixels: async (options) => {
      this.calls.push({ api: "getPixels", args: { ...options } });
      const { layer } = this.layerIn(options.documentID, options.layerID ?? -1);
      if (!layer.pixels) throw new Error("getPixels: the layer has no pixels");
      const { left, top, width, height, data } = layer.pixels;
      const imageData = await this.imaging.createImageDataFromBuffer(data, { width, height, components: 4, colorSpace: "RGB" });
      return { imageData, sourceBounds: { left, top, right: left + width, bottom: top + height }, level: 0 };
    },
  };

  /**
   * batchPlay for the layer's XMP metadata only (Photoshop's own descriptors): `get` of the
   * `metadata` property answers `{ metadata: { layerXMP } }` (no layerXMP when the layer has none);
   * `set` of `XMPMetadataAsUTF8` is a document change. Any other descriptor is refused, so the
   * adapter cannot come to depend on one this fake does not model.
   */
  readonly action: PhotoshopApi["action"] = {
    addNotificationListener: async (events, notifier) => {
      this.calls.push({ api: "addNotificationListener", args: { events: [...events] } });
      for (const event of events) {
        if (!this.notifiers.has(event)) this.notifiers.set(event, new Set());
        this.notifiers.get(event)!.add(notifier);
      }
    },
    removeNotificationListener: async (events, notifier) => {
      this.calls.push({ api: "removeNotificationListener", args: { events: [...events] } });
      for (const event of events) this.notifiers.get(event)?.delete(notifier);
    },
    batchPlay: async (commands) => {
      const results = [];
      for (const command of commands) {
        const target = (command._target ?? []) as Array<Record<string, unknown>>;
        const layerRef = target.find((t) => t._ref === "layer");
        const docRef = target.find((t) => t._ref === "document");
        const { doc, layer } = this.layerIn(docRef?._id as number | undefined, layerRef?._id as number);
        this.calls.push({ api: `batchPlay.${command._obj}`, args: { layerID: layer.id, property: target[0]?._property } });
        if (command._obj === "get" && target[0]?._property === "metadata") {
          results.push({ _obj: "layer", metadata: { _obj: "metadata", ...(layer.xmp === null ? {} : { layerXMP: layer.xmp }) } });
        } else if (command._obj === "set" && target[0]?._ref === "property" && target[0]?._property === "XMPMetadataAsUTF8") {
          const xmp = (command.to as { XMPMetadataAsUTF8?: unknown } | undefined)?.XMPMetadataAsUTF8;
          if (typeof xmp !== "string") throw new Error("set XMPMetadataAsUTF8: a string is needed");
          doc.change("setLayerXMP", { layerID: layer.id });
          layer.xmp = xmp;
          results.push({ _obj: "set" });
        } else {
          throw new Error(`batchPlay: the fake does not model ${JSON.stringify(command)}`);
        }
      }
      return results;
    },
  };

  readonly app: PhotoshopApi["app"] = {
    activeDocument: null,
    documents: {
      length: 0,
      add: async (options?: DocumentCreateOptions) => {
        this.requireModal("documents.add");
        this.calls.push({ api: "documents.add", args: { ...options } });
        const doc = this.openDocument(options?.name ?? "Untitled", options?.width ?? 7, options?.height ?? 5);
        doc.history.push("New Document");
        return doc;
      },
    },
  };

  readonly core: PhotoshopApi["core"] = {
    executeAsModal: async <T>(target: (context: ExecutionContext, descriptor?: object) => Promise<T>, options: { commandName: string }) => {
      this.calls.push({ api: "executeAsModal", args: { commandName: options.commandName } });
      if (this.otherPluginModal) throw Object.assign(new Error("host is in a modal state"), { number: 9 });
      if (this.context) throw new Error("nested modal scopes (allowed by Photoshop) are not modelled by this fake");
      const context = new FakeExecutionContext(this);
      this.context = context;
      this.lastContext = context;
      let failed = false;
      try {
        return await target(context);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        // As Photoshop does when a scope ends: resume what is still suspended, close auto-close documents.
        for (const doc of this.documents) if (doc.suspendedAt) this.resume(doc, !failed);
        for (const id of context.autoClose) this.closeDocument(this.documentById(id));
        this.context = null;
      }
    },
  };

  // Only the members the adapter uses; Photoshop's enums have more.
  readonly constants: PhotoshopApi["constants"] = {
    NewDocumentMode: { RGB: "RGBColorMode" } as unknown as typeof NewDocumentMode,
    DocumentFill: { WHITE: "white", TRANSPARENT: "transparent" } as unknown as typeof DocumentFill,
  };

  /** The module object the adapter is given. */
  readonly api: PhotoshopApi = {
    app: this.app,
    core: this.core,
    imaging: this.imaging,
    constants: this.constants,
    action: this.action,
  };

  constructor() {
    // activeDocument and documents.length follow the fake's state, as Photoshop's getters do.
    Object.defineProperty(this.app, "activeDocument", { get: () => this.activeDocument });
    Object.defineProperty(this.app.documents, "length", { get: () => this.documents.length });
  }

  /** The names of the calls made, in order (optionally only those named). */
  apis(...only: string[]): string[] {
    return this.calls.map((c) => c.api).filter((api) => only.length === 0 || only.includes(api));
  }
}
