/**
 * How the selection is shown: unselected areas tinted (a canvas at document resolution that zooms
 * with the image) and the outline as marching ants (a canvas at screen resolution over the whole
 * viewport, so the line stays one pixel wide at any zoom).
 */
import { GrayRaster } from "../raster";
import { selectionEdges } from "../selection";
import { el } from "./dom";

const ANTS_INTERVAL_MS = 180;

export interface ViewTransform {
  panX: number;
  panY: number;
  zoom: number;
}

export class SelectionOverlay {
  /** goes into the zoomed stage, above the image */
  readonly tint = el("canvas", { class: "canvas-overlay" });
  /** goes over the viewport */
  readonly outline = el("canvas", { class: "canvas-ants" });
  private edges: number[] = [];
  private phase = 0;
  private view: ViewTransform | null = null;

  constructor(private readonly viewport: HTMLElement) {
    setInterval(() => {
      if (!this.edges.length) return;
      this.phase = (this.phase + 1) % 8;
      this.drawOutline();
    }, ANTS_INTERVAL_MS);
  }

  show(selection: GrayRaster | null, size: { width: number; height: number }): void {
    this.tint.width = size.width;
    this.tint.height = size.height;
    const ctx = this.tint.getContext("2d")!;
    ctx.clearRect(0, 0, size.width, size.height);
    this.viewport.dataset.selection = selection ? "yes" : "none";
    this.edges = selection ? selectionEdges(selection) : [];
    this.drawOutline();
    if (!selection) return;
    const data = ctx.createImageData(selection.width, selection.height);
    for (let i = 0; i < selection.gray.length; i++) {
      const hidden = 255 - selection.gray[i];
      if (hidden) data.data.set([20, 40, 90, Math.round(hidden * 0.45)], i * 4);
    }
    ctx.putImageData(data, 0, 0);
  }

  /** The view moved or zoomed (null: no document shown). */
  moveTo(view: ViewTransform | null): void {
    this.view = view;
    this.drawOutline();
  }

  /** Strokes the outline in screen pixels: a white line under a black dashed one whose dashes move. */
  private drawOutline(): void {
    const dpr = window.devicePixelRatio || 1;
    const width = Math.round(this.viewport.clientWidth * dpr);
    const height = Math.round(this.viewport.clientHeight * dpr);
    if (this.outline.width !== width || this.outline.height !== height) Object.assign(this.outline, { width, height });
    const ctx = this.outline.getContext("2d")!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const view = this.view;
    if (!this.edges.length || !view) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // Half-pixel offsets put 1px lines on pixel centres, so they stay sharp.
    const sx = (x: number) => Math.round(view.panX + x * view.zoom) + 0.5;
    const sy = (y: number) => Math.round(view.panY + y * view.zoom) + 0.5;
    ctx.beginPath();
    for (let i = 0; i < this.edges.length; i += 4) {
      ctx.moveTo(sx(this.edges[i]), sy(this.edges[i + 1]));
      ctx.lineTo(sx(this.edges[i + 2]), sy(this.edges[i + 3]));
    }
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#fff";
    ctx.setLineDash([]);
    ctx.stroke();
    ctx.strokeStyle = "#000";
    ctx.setLineDash([4, 4]);
    ctx.lineDashOffset = -this.phase;
    ctx.stroke();
  }
}
