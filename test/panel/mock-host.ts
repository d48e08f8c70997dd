/** A Host that keeps layers, masks and the selection in memory and records every call with its placement. */
import type { ActiveLayer, DocumentInfo, GrayImage, Host, HostTask, LayerRef, NewLayerOptions, PixelImage, Placement } from "../../plugin/src/hosts/host";

export interface MockLayer extends LayerRef {
  pixels: PixelImage;
  mask: GrayImage | null;
  updates: number;
  placement: Placement | undefined;
  maskPlacement: Placement | undefined;
  data: string | null;
}

export interface PlacedCall {
  call: "addLayer" | "updateLayer" | "setLayerMask" | "setSelection";
  /** the layer's name, or "selection" */
  target: string;
  placement: Placement | undefined;
}

export class MockHost implements Host {
  readonly kind = "web" as const;
  layers: MockLayer[] = [];
  selection: GrayImage | null = null;
  selectionPlacement: Placement | undefined;
  operations: string[] = [];
  /** every pixel, mask and selection call, in order */
  calls: PlacedCall[] = [];
  /** the open document; by default the first layer's size (none while there are no layers) */
  openDocument: DocumentInfo | null | undefined;
  /** the selected layer's id; a new layer becomes the active one, as in both editors */
  activeId: string | null = null;
  private nextId = 1;
  private readonly task: HostTask = { reportProgress: () => {}, isCancelled: () => false };

  async document(): Promise<DocumentInfo | null> {
    if (this.openDocument !== undefined) return this.openDocument;
    return this.layers.length ? { width: this.layers[0].pixels.width, height: this.layers[0].pixels.height, title: "mock" } : null;
  }
  async activeLayer(): Promise<ActiveLayer | null> {
    const layer = this.layers.find((l) => l.id === this.activeId) ?? null;
    return layer ? { ref: { id: layer.id, name: layer.name }, data: layer.data } : null;
  }
  async hasLayer(ref: LayerRef): Promise<boolean> {
    return this.layers.some((l) => l.id === ref.id);
  }
  /** The user selects a layer in the layers panel. */
  select(name: string | RegExp): MockLayer {
    const layer = this.layer(name);
    if (!layer) throw new Error(`no layer ${name}`);
    this.activeId = layer.id;
    return layer;
  }
  async operation<T>(title: string, work: (task: HostTask) => Promise<T>): Promise<T> {
    this.operations.push(title);
    return work(this.task);
  }
  async addLayer(_task: HostTask, options: NewLayerOptions): Promise<LayerRef> {
    const layer: MockLayer = { id: String(this.nextId++), name: options.name, pixels: options.pixels, mask: options.mask ?? null, updates: 0, placement: options.placement, maskPlacement: options.mask ? options.placement : undefined, data: options.data ?? null };
    this.layers.push(layer);
    this.activeId = layer.id;
    this.calls.push({ call: "addLayer", target: options.name, placement: options.placement });
    return { id: layer.id, name: layer.name };
  }
  async updateLayer(_task: HostTask, ref: LayerRef, pixels: PixelImage, placement?: Placement): Promise<void> {
    const layer = this.find(ref);
    layer.pixels = pixels;
    layer.placement = placement;
    layer.updates++;
    this.calls.push({ call: "updateLayer", target: layer.name, placement });
  }
  async setLayerMask(_task: HostTask, ref: LayerRef, mask: GrayImage, placement?: Placement): Promise<void> {
    const layer = this.find(ref);
    layer.mask = mask;
    layer.maskPlacement = placement;
    this.calls.push({ call: "setLayerMask", target: layer.name, placement });
  }
  async setSelection(_task: HostTask, mask: GrayImage, placement?: Placement): Promise<void> {
    this.selection = mask;
    this.selectionPlacement = placement;
    this.calls.push({ call: "setSelection", target: "selection", placement });
  }
  async readLayer(_task: HostTask, ref?: LayerRef): Promise<PixelImage> {
    return (ref ? this.find(ref) : this.layers[this.layers.length - 1]).pixels;
  }
  async deleteLayer(_task: HostTask, ref: LayerRef): Promise<void> {
    this.layers = this.layers.filter((l) => l.id !== ref.id);
    if (this.activeId === ref.id) this.activeId = this.layers.at(-1)?.id ?? null;
  }
  layer(name: string | RegExp): MockLayer | undefined {
    return this.layers.find((l) => (typeof name === "string" ? l.name === name : name.test(l.name)));
  }
  private find(ref: LayerRef): MockLayer {
    const layer = this.layers.find((l) => l.id === ref.id);
    if (!layer) throw new Error(`no layer ${ref.id}`);
    return layer;
  }
}
