/**
 * The editor's window: menubar, canvas in the centre, the PandA dock and the layers panel on the
 * right, status bar below. It owns the user commands (menus and shortcuts) and file handling.
 */
import * as D from "../document";
import { flatten } from "../composite";
import { ORA_MIMETYPE, readOra, writeOra } from "../openraster";
import { encodePng } from "../png";
import { sizeText } from "../raster";
import { EditorStore } from "../store";
import { CanvasView } from "./canvas-view";
import { el, isTyping, keepFocus } from "./dom";
import { baseName, browserPng, decodeImage, download, isOpenRaster } from "./file-io";
import { LayersPanel } from "./layers-panel";
import { Menu, MenuItem, Menubar } from "./menubar";
import { askDocumentSize } from "./new-document-dialog";
import { StatusBar } from "./status-bar";

interface Command extends MenuItem {
  /** matches a keydown: e.g. "mod+z", "mod+shift+z", "mod+0" (mod = Ctrl, or ⌘ on macOS) */
  keys?: string[];
}

export class EditorApp {
  readonly store = new EditorStore();
  readonly status = new StatusBar();
  readonly view = new CanvasView(this.store);
  readonly layers = new LayersPanel(this.store);
  /** where the PandA panel mounts */
  readonly dock: HTMLElement;
  private readonly openInput = this.fileInput("image/*,.ora", false, "open-file", (files) => this.openFiles(files, false));
  private readonly layersInput = this.fileInput("image/*", true, "open-layers", (files) => this.openFiles(files, true));
  private readonly commands: Command[];

  constructor(root: HTMLElement) {
    this.commands = this.buildCommands();
    const byId = (id: string) => this.commands.find((c) => c.id === id)!;
    const menu = (label: string, ids: string[]): Menu => ({ label, items: ids.map((id) => (id === "-" ? "separator" : byId(id))) });
    const menubar = new Menubar([
      menu("File", ["new", "open", "open-layers", "-", "export-png", "export-ora"]),
      menu("Edit", ["undo", "redo"]),
      menu("Select", ["select-all", "select-none", "select-invert"]),
      menu("View", ["zoom-in", "zoom-out", "zoom-fit", "zoom-100"]),
      menu("Layer", ["layer-rename", "layer-raise", "layer-lower", "layer-delete", "-", "mask-from-selection", "mask-toggle", "mask-delete"]),
    ], (item) => this.guard(() => item.run()));
    this.dock = el("div", { class: "panda-dock" });
    this.dock.dataset.testid = "panda-dock";
    const title = el("span", { class: "app-title" }, "PandA Studio");
    root.replaceChildren(
      el("header", { class: "topbar" }, title, menubar.element, this.viewButtons()),
      el("main", { class: "workspace" }, this.view.element, el("aside", { class: "dock" }, el("section", { class: "dock-panel panda-dock-section" }, el("header", { class: "dock-title" }, "PandA"), this.dock), this.layers.element)),
      this.status.element,
      this.openInput,
      this.layersInput,
    );
    this.store.subscribe((doc) => {
      this.status.showDocument(doc);
      document.title = doc ? `${doc.title} — PandA Studio` : "PandA Studio";
    });
    this.status.showDocument(null);
    this.view.onChange(({ zoom, pointer }) => this.status.showView(zoom, pointer));
    this.status.showView(this.view.zoomLevel, null);
    window.addEventListener("keydown", (e) => this.onKey(e));
    this.bindDrop();
  }

  private buildCommands(): Command[] {
    const store = this.store;
    const doc = () => store.doc;
    const active = () => (store.doc ? D.activeLayer(store.doc) : null);
    const onActive = (title: string, change: (d: D.EditorDocument, layer: D.Layer) => D.EditorDocument) => () => {
      const layer = active();
      if (layer) store.apply(title, (d) => change(d!, layer));
    };
    return [
      // Ctrl+N belongs to the browser (a new window); Photopea also moves New to Ctrl+Alt+N.
      { id: "new", label: "New…", shortcut: "Ctrl+Alt+N", keys: ["mod+alt+n"], run: () => this.newDocument() },
      { id: "open", label: "Open…", shortcut: "Ctrl+O", keys: ["mod+o"], run: () => this.openInput.click() },
      { id: "open-layers", label: "Open as Layers…", shortcut: "Ctrl+Alt+O", keys: ["mod+alt+o"], run: () => this.layersInput.click() },
      { id: "export-png", label: "Export as PNG", shortcut: "Ctrl+E", keys: ["mod+e"], enabled: () => !!doc(), run: () => this.exportPng() },
      { id: "export-ora", label: "Export as OpenRaster (.ora)", shortcut: "Ctrl+Shift+E", keys: ["mod+shift+e"], enabled: () => !!doc(), run: () => this.exportOra() },
      {
        id: "undo",
        get label() {
          return store.undoTitle ? `Undo ${store.undoTitle}` : "Undo";
        },
        shortcut: "Ctrl+Z",
        keys: ["mod+z"],
        enabled: () => !!store.undoTitle,
        run: () => this.undoRedo("undo"),
      },
      {
        id: "redo",
        get label() {
          return store.redoTitle ? `Redo ${store.redoTitle}` : "Redo";
        },
        shortcut: "Ctrl+Shift+Z",
        keys: ["mod+shift+z", "mod+y"],
        enabled: () => !!store.redoTitle,
        run: () => this.undoRedo("redo"),
      },
      { id: "select-all", label: "All", shortcut: "Ctrl+A", keys: ["mod+a"], enabled: () => !!doc(), run: () => store.apply("Select all", (d) => D.selectAll(d!)) },
      { id: "select-none", label: "None", shortcut: "Ctrl+Shift+A", keys: ["mod+shift+a"], enabled: () => !!doc()?.selection, run: () => store.apply("Select none", (d) => D.setSelection(d!, null)) },
      { id: "select-invert", label: "Invert", shortcut: "Ctrl+I", keys: ["mod+i"], enabled: () => !!doc(), run: () => store.apply("Invert selection", (d) => D.invertSelection(d!)) },
      { id: "zoom-in", label: "Zoom In", shortcut: "Ctrl++", keys: ["mod+=", "mod++"], enabled: () => !!doc(), run: () => this.view.zoomStep(1) },
      { id: "zoom-out", label: "Zoom Out", shortcut: "Ctrl+−", keys: ["mod+-"], enabled: () => !!doc(), run: () => this.view.zoomStep(-1) },
      { id: "zoom-fit", label: "Fit Image in Window", shortcut: "Ctrl+0", keys: ["mod+0"], enabled: () => !!doc(), run: () => this.view.fit() },
      { id: "zoom-100", label: "Actual Size (100%)", shortcut: "Ctrl+1", keys: ["mod+1"], enabled: () => !!doc(), run: () => this.view.actualSize() },
      { id: "layer-rename", label: "Rename Layer…", shortcut: "F2", keys: ["f2"], enabled: () => !!active(), run: () => this.layers.rename(active()!) },
      { id: "layer-raise", label: "Raise Layer", enabled: () => !!active(), run: onActive("Raise layer", (d, l) => D.moveLayer(d, l.id, 1)) },
      { id: "layer-lower", label: "Lower Layer", enabled: () => !!active(), run: onActive("Lower layer", (d, l) => D.moveLayer(d, l.id, -1)) },
      { id: "layer-delete", label: "Delete Layer", enabled: () => !!active(), run: onActive("Delete layer", (d, l) => D.removeLayer(d, l.id)) },
      { id: "mask-from-selection", label: "Add Layer Mask from Selection", enabled: () => !!active() && !!doc()?.selection, run: onActive("Add layer mask", (d, l) => D.setLayerMask(d, l.id, D.selectionOnLayer(d, l))) },
      {
        id: "mask-toggle",
        get label() {
          return active()?.mask?.enabled === false ? "Enable Layer Mask" : "Disable Layer Mask";
        },
        enabled: () => !!active()?.mask,
        run: onActive("Toggle layer mask", (d, l) => D.setMaskEnabled(d, l.id, !l.mask!.enabled)),
      },
      { id: "mask-delete", label: "Delete Layer Mask", enabled: () => !!active()?.mask, run: onActive("Delete layer mask", (d, l) => D.setLayerMask(d, l.id, null)) },
    ];
  }

  private viewButtons(): HTMLElement {
    const button = (id: string, icon: string, title: string) => {
      const command = this.commands.find((c) => c.id === id)!;
      const b = keepFocus(el("button", { class: "icon-button", type: "button", title: `${title} (${command.shortcut})`, onclick: () => command.run() }, el("span", { class: `icon icon-${icon}` })));
      b.dataset.testid = `view-${id}`;
      return b;
    };
    return el("div", { class: "topbar-tools" }, button("zoom-out", "zoom-out", "Zoom out"), button("zoom-in", "zoom-in", "Zoom in"), button("zoom-fit", "fit", "Fit"), button("zoom-100", "one", "100%"));
  }

  private onKey(e: KeyboardEvent): void {
    if (isTyping(e)) return;
    const parts = [e.ctrlKey || e.metaKey ? "mod" : "", e.altKey ? "alt" : "", e.shiftKey ? "shift" : "", e.key.toLowerCase()].filter(Boolean);
    const combo = parts.join("+");
    const command = this.commands.find((c) => c.keys?.includes(combo));
    if (!command) return;
    e.preventDefault();
    if (command.enabled?.() ?? true) this.guard(() => command.run());
  }

  private undoRedo(which: "undo" | "redo"): void {
    if (this.store.busy) return this.status.show("Wait until the running operation has finished", "error");
    const title = which === "undo" ? this.store.undo() : this.store.redo();
    if (title) this.status.show(`${which === "undo" ? "Undid" : "Redid"}: ${title}`);
  }

  /** Runs a command, showing its failure in the status bar instead of losing it in the console. */
  private async guard(run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.status.show((err as Error).message, "error");
    }
  }

  private async newDocument(): Promise<void> {
    const current = this.store.doc;
    const size = await askDocumentSize(current ?? { width: 1024, height: 1024 });
    if (size) this.guard(() => this.store.apply("New image", () => D.newDocument(size.width, size.height)));
  }

  /**
   * Opens files. An .ora replaces the document (one undo step, so nothing is lost). Images become
   * layers, centred, in the current document, or in a new one of the first image's size.
   */
  async openFiles(files: File[], asLayers: boolean): Promise<void> {
    for (const file of files) {
      await this.guard(async () => {
        if (isOpenRaster(file)) {
          const doc = await readOra(new Uint8Array(await file.arrayBuffer()), browserPng, () => this.store.newLayerId(), baseName(file.name));
          this.store.apply("Open", () => doc);
          this.status.show(`Opened ${file.name}: ${sizeText(doc)}, ${doc.layers.length} layers`);
          return;
        }
        const pixels = await decodeImage(file);
        const name = baseName(file.name);
        const id = this.store.newLayerId();
        this.store.apply(asLayers ? "Open as layer" : "Open", (doc) => {
          const base = doc && asLayers ? doc : D.newDocument(pixels.width, pixels.height, name);
          return D.addLayer(base, D.createLayer({ id, name, pixels, ...D.centredOffset(base, pixels) }));
        });
        const doc = this.store.doc!;
        const at = D.findLayer(doc, id);
        this.status.show(`Opened ${file.name} (${sizeText(pixels)}) as a layer at ${at.x}, ${at.y}`);
      });
    }
  }

  private async exportPng(): Promise<void> {
    const doc = this.store.doc;
    if (!doc) return;
    download(await encodePng(flatten(doc)), `${doc.title}.png`, "image/png");
    this.status.show(`Exported ${doc.title}.png (${sizeText(doc)}, flattened)`);
  }

  private async exportOra(): Promise<void> {
    const doc = this.store.doc;
    if (!doc) return;
    download(await writeOra(doc, browserPng), `${doc.title}.ora`, ORA_MIMETYPE);
    this.status.show(`Exported ${doc.title}.ora (${doc.layers.length} layers)`);
  }

  private fileInput(accept: string, multiple: boolean, testId: string, onFiles: (files: File[]) => void): HTMLInputElement {
    const input = el("input", { type: "file", accept, multiple, hidden: true });
    input.dataset.testid = testId;
    input.addEventListener("change", () => {
      const files = [...(input.files ?? [])];
      input.value = ""; // the same file can be opened again
      if (files.length) onFiles(files);
    });
    return input;
  }

  private bindDrop(): void {
    const target = this.view.element;
    target.addEventListener("dragover", (e) => {
      if (!e.dataTransfer?.types.includes("Files")) return;
      e.preventDefault();
      target.classList.add("drop-target");
    });
    target.addEventListener("dragleave", () => target.classList.remove("drop-target"));
    target.addEventListener("drop", (e) => {
      e.preventDefault();
      target.classList.remove("drop-target");
      const files = [...(e.dataTransfer?.files ?? [])];
      // Dropped images join the open document (GIMP does the same); an .ora opens as the document.
      if (files.length) this.openFiles(files, true);
    });
  }
}
