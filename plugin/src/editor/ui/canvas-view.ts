/**
 * The canvas area: the flattened document on a checkerboard with the selection over it, zoom
 * (ctrl+wheel, commands) and pan (space+drag, middle drag). It reads the store and never changes it.
 */
import { Compositor } from "../composite";
import { EditorDocument } from "../document";
import { DocState, EditorStore } from "../store";
import { el, isTyping } from "./dom";
import { toImageData } from "./raster-canvas";
import { SelectionOverlay } from "./selection-overlay";

const MIN_ZOOM = 1 / 32;
const MAX_ZOOM = 32;

export interface ViewListener {
  (view: { zoom: number; pointer: { x: number; y: number } | null }): void;
}

export class CanvasView {
  readonly element: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly image: HTMLCanvasElement;
  private readonly selection: SelectionOverlay;
  private readonly empty: HTMLElement;
  private zoom = 1;
  private panX = 0;
  private panY = 0;
  private pointer: { x: number; y: number } | null = null;
  /** the view shows the whole document (Fit) and the user has not zoomed or panned since: a resize fits again */
  private fitted = true;
  private shown: DocState = null;
  private readonly compositor = new Compositor();
  private frame = 0;
  private readonly listeners = new Set<ViewListener>();

  constructor(private readonly store: EditorStore) {
    this.image = el("canvas", { class: "canvas-image" });
    this.image.dataset.testid = "canvas";
    this.empty = el("div", { class: "canvas-empty" }, el("div", { class: "canvas-empty-title" }, "No document"), el("div", {}, "Open an image or an .ora, drop files here, or generate a face in the PandA panel."));
    this.element = el("div", { class: "canvas-viewport", tabIndex: -1 });
    this.element.dataset.testid = "viewport";
    this.selection = new SelectionOverlay(this.element);
    this.stage = el("div", { class: "canvas-stage" }, this.image, this.selection.tint);
    this.element.append(this.stage, this.selection.outline, this.empty);
    this.bindNavigation();
    store.subscribe(() => this.scheduleRender());
    new ResizeObserver(() => (this.fitted && this.store.doc ? this.fit() : this.applyTransform())).observe(this.element);
    this.scheduleRender();
  }

  /** Buttons offered on the empty canvas (New, Open). */
  setEmptyActions(...buttons: HTMLElement[]): void {
    this.empty.append(el("div", { class: "canvas-empty-actions" }, ...buttons));
  }

  onChange(listener: ViewListener): void {
    this.listeners.add(listener);
  }

  get zoomLevel(): number {
    return this.zoom;
  }

  // ── zoom and pan ───────────────────────────────────────────────────────────

  /** Zooms keeping the document point under (sx, sy) — viewport pixels — in place (the centre by default). */
  zoomTo(zoom: number, sx = this.element.clientWidth / 2, sy = this.element.clientHeight / 2): void {
    const next = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
    this.panX = sx - ((sx - this.panX) * next) / this.zoom;
    this.panY = sy - ((sy - this.panY) * next) / this.zoom;
    this.zoom = next;
    this.fitted = false;
    this.applyTransform();
  }

  /** Steps through the usual zoom ladder (…50%, 66.7%, 100%, 150%, 200%…). */
  zoomStep(direction: 1 | -1, sx?: number, sy?: number): void {
    const ladder = [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 3, 1 / 2, 2 / 3, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32];
    const next = direction > 0 ? ladder.find((z) => z > this.zoom * 1.001) : [...ladder].reverse().find((z) => z < this.zoom / 1.001);
    this.zoomTo(next ?? this.zoom, sx, sy);
  }

  /** The whole document in the viewport, centred (small images are enlarged to fill it). */
  fit(): void {
    const doc = this.store.doc;
    if (!doc) return;
    const margin = 24;
    const w = Math.max(1, this.element.clientWidth - 2 * margin);
    const h = Math.max(1, this.element.clientHeight - 2 * margin);
    this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Math.min(w / doc.width, h / doc.height)));
    this.centre(doc);
    this.fitted = true;
  }

  actualSize(): void {
    const doc = this.store.doc;
    if (!doc) return;
    this.zoom = 1;
    this.centre(doc);
    this.fitted = false;
  }

  private centre(doc: EditorDocument): void {
    this.panX = (this.element.clientWidth - doc.width * this.zoom) / 2;
    this.panY = (this.element.clientHeight - doc.height * this.zoom) / 2;
    this.applyTransform();
  }

  private applyTransform(): void {
    this.stage.style.transform = `translate(${Math.round(this.panX)}px, ${Math.round(this.panY)}px) scale(${this.zoom})`;
    // Pixels stay crisp squares when enlarged; smooth when reduced.
    this.stage.classList.toggle("pixelated", this.zoom >= 2);
    this.stage.style.setProperty("--zoom", String(this.zoom));
    this.selection.moveTo(this.stage.hidden ? null : { panX: this.panX, panY: this.panY, zoom: this.zoom });
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener({ zoom: this.zoom, pointer: this.pointer });
  }

  private bindNavigation(): void {
    let spaceDown = false;
    let drag: { x: number; y: number; panX: number; panY: number } | null = null;
    window.addEventListener("keydown", (e) => {
      if (e.code === "Space" && !isTyping(e)) {
        spaceDown = true;
        this.element.classList.add("can-pan");
        if (e.target === document.body || this.element.contains(e.target as Node)) e.preventDefault();
      }
    });
    window.addEventListener("keyup", (e) => {
      if (e.code !== "Space") return;
      spaceDown = false;
      this.element.classList.remove("can-pan");
    });
    this.element.addEventListener("pointerdown", (e) => {
      if (!(e.button === 1 || (e.button === 0 && spaceDown))) return;
      e.preventDefault();
      drag = { x: e.clientX, y: e.clientY, panX: this.panX, panY: this.panY };
      this.element.setPointerCapture(e.pointerId);
      this.element.classList.add("panning");
    });
    this.element.addEventListener("pointermove", (e) => {
      if (drag) {
        this.panX = drag.panX + e.clientX - drag.x;
        this.panY = drag.panY + e.clientY - drag.y;
        this.fitted = false;
        this.applyTransform();
      }
      const r = this.element.getBoundingClientRect();
      const doc = this.store.doc;
      const x = Math.floor((e.clientX - r.left - this.panX) / this.zoom);
      const y = Math.floor((e.clientY - r.top - this.panY) / this.zoom);
      this.pointer = doc && x >= 0 && y >= 0 && x < doc.width && y < doc.height ? { x, y } : null;
      this.emit();
    });
    const endDrag = () => {
      drag = null;
      this.element.classList.remove("panning");
    };
    this.element.addEventListener("pointerup", endDrag);
    this.element.addEventListener("pointercancel", endDrag);
    this.element.addEventListener("pointerleave", () => {
      this.pointer = null;
      this.emit();
    });
    this.element.addEventListener("auxclick", (e) => e.button === 1 && e.preventDefault());
    this.element.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const r = this.element.getBoundingClientRect();
        if (e.ctrlKey || e.metaKey) {
          // Trackpad pinches arrive as ctrl+wheel with small deltas: zoom continuously.
          this.zoomTo(this.zoom * Math.exp(-e.deltaY * 0.0025), e.clientX - r.left, e.clientY - r.top);
        } else {
          this.panX -= e.shiftKey ? e.deltaY : e.deltaX;
          this.panY -= e.shiftKey ? 0 : e.deltaY;
          this.fitted = false;
          this.applyTransform();
        }
      },
      { passive: false },
    );
  }

  // ── rendering ──────────────────────────────────────────────────────────────

  private scheduleRender(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  private render(): void {
    this.frame = 0;
    const doc = this.store.doc;
    const previous = this.shown;
    this.shown = doc;
    this.empty.hidden = !!doc;
    this.stage.hidden = !doc;
    if (!doc) return this.selection.moveTo(null);
    const resized = !previous || previous.width !== doc.width || previous.height !== doc.height;
    if (resized) {
      this.image.width = doc.width;
      this.image.height = doc.height;
      this.stage.style.width = `${doc.width}px`;
      this.stage.style.height = `${doc.height}px`;
    }
    if (resized || previous?.layers !== doc.layers) this.image.getContext("2d")!.putImageData(toImageData(this.compositor.flatten(doc)), 0, 0);
    if (resized || previous?.selection !== doc.selection) this.selection.show(doc.selection, doc);
    // A new document (or a new size) is shown whole; otherwise the view stays where it is.
    if (resized) this.fit();
  }
}

