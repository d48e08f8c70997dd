/**
 * The live preview: one layer, added on the first frame and then updated in place, showing the
 * latest value only. Two stages, each a Coalescer (one at a time, newest value next): `render`
 * (the request for a value's pixels) and drawing the frame into the document. The next request
 * starts as soon as a frame has arrived, while that frame is drawn, so the server is never idle
 * waiting for the document during a drag, and a frame overtaken by a newer one is never drawn.
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

/** Where a shown frame's time went, in milliseconds (bench:preview reports them). */
export interface PreviewTiming {
  /** `render`: the request for the pixels */
  requestMs: number;
  /** waiting for the document, then putting the frame (and a new mask) into it */
  drawMs: number;
}

interface RenderedFrame<T> {
  value: T;
  frame: PreviewFrame;
  requestMs: number;
  arrived: number;
}

const now = (): number => (typeof performance === "object" ? performance.now() : Date.now());

export class LivePreview<T> {
  private layer: { ref: LayerRef; maskKey: string } | null = null;
  private readonly requests: Coalescer<T>;
  private readonly draws: Coalescer<RenderedFrame<T>>;

  constructor(
    private readonly host: Host,
    private readonly render: (value: T) => Promise<PreviewFrame>,
    /** after a frame is in the document (the latency bench listens) */
    private readonly onShown: (value: T, timing: PreviewTiming) => void,
    onError: (err: unknown) => void,
  ) {
    this.requests = new Coalescer(async (value) => {
      const start = now();
      const frame = await this.render(value);
      this.draws.push({ value, frame, requestMs: now() - start, arrived: now() });
    }, onError);
    this.draws = new Coalescer((rendered) => this.show(rendered), onError);
  }

  push(value: T): void {
    this.requests.push(value);
  }

  /** Resolves once the latest pushed value is shown (or failed). */
  async idle(): Promise<void> {
    do {
      await this.requests.idle();
      await this.draws.idle();
    } while (this.requests.busy || this.draws.busy);
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

  private async show({ value, frame, requestMs, arrived }: RenderedFrame<T>): Promise<void> {
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
    this.onShown(value, { requestMs, drawMs: now() - arrived });
  }
}
