/** The status bar: messages, the progress of a running operation (with cancel), document size, zoom, pointer. */
import { sizeText } from "../raster";
import { DocState } from "../store";
import { el } from "./dom";

export interface ProgressHandle {
  update(fraction: number | null, message?: string): void;
  readonly cancelled: boolean;
  done(): void;
}

export class StatusBar {
  readonly element: HTMLElement;
  private readonly message = el("span", { class: "status-message" });
  private readonly progressBox: HTMLElement;
  private readonly progressLabel = el("span", { class: "status-progress-label" });
  private readonly progressBar = el("progress", { max: 1 });
  private readonly cancelButton = el("button", { class: "status-cancel", type: "button", textContent: "Cancel" });
  private readonly size = el("span", { class: "status-size" });
  private readonly zoom = el("span", { class: "status-zoom" });
  private readonly pointer = el("span", { class: "status-pointer" });
  private active: { title: string; cancelled: boolean }[] = [];
  private messageTimer = 0;

  constructor() {
    this.progressBox = el("span", { class: "status-progress", hidden: true }, this.progressLabel, this.progressBar, this.cancelButton);
    this.progressBox.dataset.testid = "progress";
    this.cancelButton.onclick = () => {
      for (const task of this.active) task.cancelled = true;
      this.progressLabel.textContent = "Cancelling…";
    };
    this.size.dataset.testid = "status-size";
    this.zoom.dataset.testid = "status-zoom";
    this.message.dataset.testid = "status-message";
    this.element = el("footer", { class: "statusbar" }, this.message, this.progressBox, el("span", { class: "status-spacer" }), this.pointer, this.size, this.zoom);
  }

  /** Shows a message; transient ones clear after a few seconds. */
  show(text: string, kind: "info" | "error" = "info", transient = true): void {
    this.message.textContent = text;
    this.message.classList.toggle("error", kind === "error");
    clearTimeout(this.messageTimer);
    if (transient) this.messageTimer = window.setTimeout(() => (this.message.textContent = ""), kind === "error" ? 12_000 : 5_000);
  }

  showDocument(doc: DocState): void {
    this.size.textContent = doc ? `${sizeText(doc)} px · ${doc.layers.length} layer${doc.layers.length === 1 ? "" : "s"}` : "No document";
  }

  showView(zoom: number, pointer: { x: number; y: number } | null): void {
    this.zoom.textContent = `${formatZoom(zoom)}`;
    this.pointer.textContent = pointer ? `${pointer.x}, ${pointer.y}` : "";
  }

  /** Starts a progress indicator: indeterminate until the first fraction arrives. */
  startProgress(title: string): ProgressHandle {
    const task = { title, cancelled: false };
    this.active.push(task);
    this.progressBox.hidden = false;
    this.progressLabel.textContent = title;
    this.progressBar.removeAttribute("value");
    return {
      update: (fraction, message) => {
        if (task !== this.active[this.active.length - 1]) return;
        if (fraction === null) this.progressBar.removeAttribute("value");
        else this.progressBar.value = Math.min(1, Math.max(0, fraction));
        this.progressLabel.textContent = message ? `${title}: ${message}` : title;
      },
      get cancelled() {
        return task.cancelled;
      },
      done: () => {
        this.active = this.active.filter((t) => t !== task);
        const top = this.active[this.active.length - 1];
        this.progressBox.hidden = !top;
        if (top) this.progressLabel.textContent = top.title;
      },
    };
  }
}

export function formatZoom(zoom: number): string {
  const percent = zoom * 100;
  return `${percent >= 10 ? Math.round(percent) : percent.toFixed(1)}%`;
}
