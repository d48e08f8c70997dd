/**
 * The live preview: one layer, added on the first frame and then updated in place, showing the
 * latest value only. Two stages, each a Coalescer (one at a time, newest value next): `render`
 * (the request for a value's pixels) and drawing the frame into the document. The next request
 * starts as soon as a frame has arrived, while that frame is drawn, so the server is never idle
 * waiting for the document during a drag, and a frame overtaken by a newer one is never drawn.
 * Drafts: each value is first rendered as a draft where `render` can (the server's cheaper draft
 * tail), and its full-quality frame follows once the value has settled — at once for a key press
 * or a click, when the pointer lets go for a drag (`settle`) — so a drag shows drafts and every
 * value the preview rests on is shown at full quality (the pixels POST /edits returns).
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
  /** a draft (rendered more cheaply than the final pixels): a full-quality frame must follow */
  draft?: boolean;
  /** who rendered it: the server, or this page (local-preview.ts) */
  source?: "server" | "page";
}

export const PREVIEW_LAYER_NAME = "PandA preview";

/** Where a shown frame's time went, in milliseconds (bench:preview reports them). */
export interface PreviewTiming {
  /** `render`: the request for the pixels */
  requestMs: number;
  /** waiting for the document, then putting the frame (and a new mask) into it */
  drawMs: number;
  /** the frame was a draft */
  draft: boolean;
  /** who rendered it (the server unless said) */
  source: "server" | "page";
}

interface Wanted<T> {
  value: T;
  /** which push it came from: a follow-up full frame is rendered only for the newest */
  generation: number;
  draft: boolean;
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
  private readonly requests: Coalescer<Wanted<T>>;
  private readonly draws: Coalescer<RenderedFrame<T>>;
  /** the newest pushed value, whether it is still moving (a drag), and whether its full frame is rendered */
  private latest: { value: T; generation: number; moving: boolean; full: boolean } | null = null;

  constructor(
    private readonly host: Host,
    /** `draft`: a cheaper frame will do (the renderer says with `frame.draft` whether it made one) */
    private readonly render: (value: T, draft: boolean) => Promise<PreviewFrame>,
    /** after a frame is in the document (the latency bench listens) */
    private readonly onShown: (value: T, timing: PreviewTiming) => void,
    onError: (err: unknown) => void,
  ) {
    this.requests = new Coalescer((wanted) => this.request(wanted), onError);
    this.draws = new Coalescer((rendered) => this.show(rendered), onError);
  }

  /** A new value; `moving`: more are coming (the slider's pointer is down) and `settle` will follow. */
  push(value: T, options: { moving?: boolean } = {}): void {
    const generation = (this.latest?.generation ?? 0) + 1;
    this.latest = { value, generation, moving: options.moving ?? false, full: false };
    this.requests.push({ value, generation, draft: true });
  }

  /** The value stopped moving (the pointer let go): its full-quality frame follows its draft. */
  settle(): void {
    const latest = this.latest;
    if (!latest || !latest.moving) return;
    latest.moving = false;
    if (!latest.full) this.requests.push({ value: latest.value, generation: latest.generation, draft: false });
  }

  private async request({ value, generation, draft }: Wanted<T>): Promise<void> {
    const latest = this.latest;
    if (!draft && latest?.generation === generation && latest.full) return; // already rendered in full
    const start = now();
    const frame = await this.render(value, draft);
    this.draws.push({ value, frame, requestMs: now() - start, arrived: now() });
    if (latest?.generation !== generation || this.latest !== latest) return; // overtaken: the newer value has its own frames
    if (!frame.draft) latest.full = true;
    else if (!latest.moving) this.requests.push({ value, generation, draft: false });
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
    this.onShown(value, { requestMs, drawMs: now() - arrived, draft: frame.draft === true, source: frame.source ?? "server" });
  }
}
