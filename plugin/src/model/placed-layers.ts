/**
 * The Host's layer, mask and selection calls with one image's placement applied to each, so no
 * caller can forget it. A new layer's mask is set by its own call: masks are resampled
 * bilinear, the pixels as the user chose.
 */
import type { GrayImage, Host, HostTask, LayerRef, PixelImage } from "../hosts/host";
import type { ImagePlacement } from "./placement";

export class PlacedLayers {
  constructor(
    private readonly host: Host,
    readonly placement: ImagePlacement,
  ) {}

  /** `data`: what the panel keeps with the layer (its origin) */
  async addLayer(task: HostTask, name: string, pixels: PixelImage, mask?: GrayImage, data?: string): Promise<LayerRef> {
    const layer = await this.host.addLayer(task, { name, pixels, placement: this.placement.pixels, data });
    if (mask) await this.setLayerMask(task, layer, mask);
    return layer;
  }

  updateLayer(task: HostTask, layer: LayerRef, pixels: PixelImage): Promise<void> {
    return this.host.updateLayer(task, layer, pixels, this.placement.pixels);
  }

  setLayerMask(task: HostTask, layer: LayerRef, mask: GrayImage): Promise<void> {
    return this.host.setLayerMask(task, layer, mask, this.placement.masks);
  }

  setSelection(task: HostTask, mask: GrayImage): Promise<void> {
    return this.host.setSelection(task, mask, this.placement.masks);
  }
}
