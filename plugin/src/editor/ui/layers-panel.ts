/**
 * The layers panel: top layer first; per row visibility, thumbnail, mask thumbnail (click: enable /
 * disable) and name (double-click: rename); the active layer's opacity; raise, lower, mask and
 * delete buttons. Every change is one undo step; choosing the active layer is not.
 */
import * as D from "../document";
import { EditorStore, Transaction } from "../store";
import { el, iconButton } from "./dom";
import { thumbnailUrl } from "./raster-canvas";

const THUMB = 40;

export class LayersPanel {
  readonly element: HTMLElement;
  private readonly list = el("div", { class: "layers-list", role: "listbox" });
  private readonly opacity = el("input", { type: "range", min: "0", max: "100", step: "1", class: "opacity-slider" });
  private readonly opacityValue = el("span", { class: "opacity-value" });
  private readonly buttons: HTMLButtonElement[];
  private opacityDrag: Transaction | null = null;
  private renaming: string | null = null;
  private shownLayers: readonly D.Layer[] | null = null;

  constructor(private readonly store: EditorStore) {
    this.opacity.dataset.testid = "layer-opacity";
    this.opacity.addEventListener("input", () => this.dragOpacity());
    this.opacity.addEventListener("change", () => {
      this.opacityDrag?.commit();
      this.opacityDrag = null;
    });
    this.buttons = [
      iconButton("up", "Raise layer", () => this.onActive("Raise layer", (doc, id) => D.moveLayer(doc, id, 1)), "layer-raise"),
      iconButton("down", "Lower layer", () => this.onActive("Lower layer", (doc, id) => D.moveLayer(doc, id, -1)), "layer-lower"),
      iconButton("mask-add", "Add layer mask from the selection", () => this.onActive("Add layer mask", (doc, id) => D.setLayerMask(doc, id, D.selectionOnLayer(doc, D.findLayer(doc, id)))), "mask-add"),
      iconButton("mask-remove", "Delete layer mask", () => this.onActive("Delete layer mask", (doc, id) => D.setLayerMask(doc, id, null)), "mask-delete"),
      iconButton("trash", "Delete layer", () => this.onActive("Delete layer", (doc, id) => D.removeLayer(doc, id)), "layer-delete"),
    ];
    this.element = el(
      "section",
      { class: "dock-panel layers-panel" },
      el("header", { class: "dock-title" }, "Layers"),
      el("div", { class: "layers-opacity" }, el("label", { textContent: "Opacity" }), this.opacity, this.opacityValue),
      this.list,
      el("footer", { class: "layers-buttons" }, ...this.buttons),
    );
    this.element.dataset.testid = "layers-panel";
    store.subscribe(() => this.render());
    this.render();
  }

  private onActive(title: string, change: (doc: D.EditorDocument, id: string) => D.EditorDocument): void {
    const doc = this.store.doc;
    const active = doc && D.activeLayer(doc);
    if (doc && active) this.store.apply(title, () => change(doc, active.id));
  }

  private dragOpacity(): void {
    const doc = this.store.doc;
    const active = doc && D.activeLayer(doc);
    if (!active) return;
    const opacity = Number(this.opacity.value) / 100; // read first: begin() re-renders the panel
    this.opacityDrag ??= this.store.begin("Layer opacity");
    this.opacityDrag.change((d) => D.updateLayer(d!, active.id, { opacity }));
  }

  private render(): void {
    const doc = this.store.doc;
    const active = doc && D.activeLayer(doc);
    this.opacity.disabled = !active;
    if (active && !this.opacityDrag) this.opacity.value = String(Math.round(active.opacity * 100));
    this.opacityValue.textContent = active ? `${Math.round(active.opacity * 100)}%` : "";
    if (!active) this.opacity.value = "100";
    const [raise, lower, maskAdd, maskDelete, remove] = this.buttons;
    const index = doc && active ? doc.layers.indexOf(active) : -1;
    raise.disabled = !doc || index < 0 || index === doc.layers.length - 1;
    lower.disabled = index <= 0;
    maskAdd.disabled = !active || !doc?.selection;
    maskDelete.disabled = !active?.mask;
    remove.disabled = !active;
    if (this.renaming) return; // don't pull the text field from under the user
    if (doc && doc.layers === this.shownLayers) {
      // Only the active layer changed: keep the rows, so a double-click's second click finds the same row.
      for (const row of this.list.querySelectorAll<HTMLElement>(".layer-row")) {
        row.classList.toggle("active", row.dataset.layerId === doc.activeLayerId);
        row.setAttribute("aria-selected", String(row.dataset.layerId === doc.activeLayerId));
      }
      return;
    }
    this.shownLayers = doc?.layers ?? null;
    const rows = doc ? [...doc.layers].reverse().map((layer) => this.row(layer, layer.id === doc.activeLayerId)) : [];
    this.list.replaceChildren(...(rows.length ? rows : [el("div", { class: "layers-empty" }, "No layers")]));
  }

  private row(layer: D.Layer, active: boolean): HTMLElement {
    const eye = iconButton(layer.visible ? "eye" : "eye-off", layer.visible ? "Hide layer" : "Show layer", (e) => {
      e.stopPropagation();
      this.store.apply(layer.visible ? "Hide layer" : "Show layer", (doc) => D.updateLayer(doc!, layer.id, { visible: !layer.visible }));
    });
    eye.dataset.testid = "layer-visibility";
    const thumb = el("img", { class: "layer-thumb", src: thumbnailUrl(layer.pixels, THUMB), alt: "" });
    const mask = layer.mask ? this.maskThumb(layer, layer.mask) : null;
    const name = el("span", { class: "layer-name", textContent: layer.name, title: "Double-click to rename" });
    name.dataset.testid = "layer-name";
    name.addEventListener("dblclick", (e) => {
      e.stopPropagation();
      this.rename(layer, name);
    });
    const opacity = layer.opacity < 1 ? el("span", { class: "layer-opacity-badge", textContent: `${Math.round(layer.opacity * 100)}%` }) : null;
    const row = el("div", { class: `layer-row${active ? " active" : ""}${layer.visible ? "" : " hidden-layer"}`, role: "option" }, eye, thumb, mask, name, opacity);
    row.setAttribute("aria-selected", String(active));
    row.dataset.testid = "layer-row";
    row.dataset.layerId = layer.id;
    row.addEventListener("click", () => this.store.replace(D.setActiveLayer(this.store.doc!, layer.id)));
    return row;
  }

  private maskThumb(layer: D.Layer, mask: D.LayerMask): HTMLElement {
    const box = el("button", { class: `mask-thumb${mask.enabled ? "" : " disabled"}`, type: "button", title: mask.enabled ? "Layer mask: click to disable" : "Layer mask (disabled): click to enable" }, el("img", { src: thumbnailUrl(mask.image, THUMB), alt: "mask" }));
    box.dataset.testid = "mask-thumb";
    box.dataset.enabled = String(mask.enabled);
    box.addEventListener("click", (e) => {
      e.stopPropagation();
      this.store.apply(mask.enabled ? "Disable layer mask" : "Enable layer mask", (doc) => D.setMaskEnabled(doc!, layer.id, !mask.enabled));
    });
    return box;
  }

  /** Rename in place: Enter or leaving the field keeps the name, Escape cancels. */
  rename(layer: D.Layer, label?: HTMLElement): void {
    const target = label ?? this.list.querySelector<HTMLElement>(`[data-layer-id="${layer.id}"] .layer-name`);
    if (!target?.isConnected) return;
    this.renaming = layer.id;
    const input = el("input", { class: "layer-rename", value: layer.name });
    input.dataset.testid = "layer-rename";
    let done = false;
    const finish = (keep: boolean) => {
      if (done) return;
      done = true;
      this.renaming = null;
      this.shownLayers = null;
      const name = input.value.trim();
      if (keep && name && name !== layer.name) this.store.apply("Rename layer", (doc) => D.updateLayer(doc!, layer.id, { name }));
      else this.render();
    };
    input.addEventListener("keydown", (e) => {
      e.stopPropagation();
      if (e.key === "Enter") finish(true);
      if (e.key === "Escape") finish(false);
    });
    input.addEventListener("blur", () => finish(true));
    input.addEventListener("click", (e) => e.stopPropagation());
    target.replaceWith(input);
    input.focus();
    input.select();
  }
}
