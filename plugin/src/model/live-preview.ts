/**
 * The live preview: one layer, added on the first frame and then updated in place, showing the
 * latest value only (a Coalescer keeps at most one frame in flight while the slider moves).
 * It knows nothing of PandA: `render` turns a value into pixels and the mask they show through.
 */
import type { GrayImage, Host, LayerRef, PixelImage } from "../hosts/host";
import { Coalescer } from "./coalescer";
import type { PlacedLayers } from "./placed-layers";

export interface PreviewFrame {
  pixels: PixelImage;
  /** identifies the mask (e.g. the part); the mask is fetched and set only when it changes */
  maskKey: string;
  mask: () => Promise<GrayImage>;
  /** the image's placement: the preview lies exactly over the image's layer */
  layers: PlacedLayers;
  /** what the panel keeps with the preview layer */
  data?: string;
}

export const PREVIEW_LAYER_NAME = "PandA preview";

export class LivePreview<T> {
  private layer: { ref: LayerRef; maskKey: string } | null = null;
  private readonly frames: Coalescer<T>;

  constructor(
    private readonly host: Host,
    private readonly render: (value: T) => Promise<PreviewFrame>,
    /** after a frame is in the document (the latency bench listens) */
    private readonly onShown: (value: T) => void,
    onError: (err: unknown) => void,
  ) {
    this.frames = new Coalescer((value) => this.show(value), onError);
  }

  push(value: T): void {
    this.frames.push(value);
  }

  /** Resolves once the latest pushed value is shown (or failed). */
  idle(): Promise<void> {
    return this.frames.idle();
  }

  /** Whether a preview layer is showing (part and appearance clicks update it, but never bring one back). */
  get showing(): boolean {
    return this.layer !== null;
  }

  /** Forgets the preview layer and returns it: apply replaces it, a new image starts afresh. */
  release(): LayerRef | null {
    const ref = this.layer?.ref ?? null;
    this.layer = null;
    return ref;
  }

  private async show(value: T): Promise<void> {
    const frame = await this.render(value);
    // the user may have deleted the preview layer: start a new one rather than fail
    if (this.layer && !(await this.host.hasLayer(this.layer.ref))) this.layer = null;
    const layer = this.layer;
    if (!layer) {
      const mask = await frame.mask();
      const ref = await this.host.operation(PREVIEW_LAYER_NAME, (task) => frame.layers.addLayer(task, PREVIEW_LAYER_NAME, frame.pixels, mask, frame.data));
      this.layer = { ref, maskKey: frame.maskKey };
    } else {
      const mask = layer.maskKey === frame.maskKey ? null : await frame.mask();
      await this.host.operation(PREVIEW_LAYER_NAME, async (task) => {
        await frame.layers.updateLayer(task, layer.ref, frame.pixels);
        if (mask) await frame.layers.setLayerMask(task, layer.ref, mask);
      });
      layer.maskKey = frame.maskKey;
    }
    this.onShown(value);
  }
}
