/** A Host that keeps layers, masks and the selection in memory and records every call. */
import type { GrayImage, Host, HostTask, LayerRef, NewLayerOptions, PixelImage } from "../../plugin/src/hosts/host";

export interface MockLayer extends LayerRef {
  pixels: PixelImage;
  mask: GrayImage | null;
  updates: number;
}

export class MockHost implements Host {
  readonly kind = "web" as const;
  layers: MockLayer[] = [];
  selection: GrayImage | null = null;
  operations: string[] = [];
  private nextId = 1;
  private readonly task: HostTask = { reportProgress: () => {}, isCancelled: () => false };

  async document() {
    return this.layers.length ? { width: this.layers[0].pixels.width, height: this.layers[0].pixels.height, title: "mock" } : null;
  }
  async operation<T>(title: string, work: (task: HostTask) => Promise<T>): Promise<T> {
    this.operations.push(title);
    return work(this.task);
  }
  async addLayer(_task: HostTask, options: NewLayerOptions): Promise<LayerRef> {
    const layer = { id: String(this.nextId++), name: options.name, pixels: options.pixels, mask: options.mask ?? null, updates: 0 };
    this.layers.push(layer);
    return { id: layer.id, name: layer.name };
  }
  async updateLayer(_task: HostTask, ref: LayerRef, pixels: PixelImage): Promise<void> {
    const layer = this.find(ref);
    layer.pixels = pixels;
    layer.updates++;
  }
  async setLayerMask(_task: HostTask, ref: LayerRef, mask: GrayImage): Promise<void> {
    this.find(ref).mask = mask;
  }
  async setSelection(_task: HostTask, mask: GrayImage): Promise<void> {
    this.selection = mask;
  }
  async readLayer(_task: HostTask, ref?: LayerRef): Promise<PixelImage> {
    return (ref ? this.find(ref) : this.layers[this.layers.length - 1]).pixels;
  }
  async deleteLayer(_task: HostTask, ref: LayerRef): Promise<void> {
    this.layers = this.layers.filter((l) => l.id !== ref.id);
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
