/**
 * The editor's window: menubar and view buttons on top, the canvas in the centre, the PandA dock
 * and the layers panel on the right (a splitter between them, each foldable), the status bar
 * below; keyboard shortcuts.
 */
import { EditorStore } from "../store";
import { CanvasView } from "./canvas-view";
import { Dock } from "./dock";
import { Command, buildCommands, shortcutOf } from "./commands";
import { el, isTyping, keepFocus } from "./dom";
import { FileCommands } from "./file-commands";
import { LayersPanel } from "./layers-panel";
import { Menu, Menubar } from "./menubar";
import { showShortcuts } from "./shortcuts-dialog";
import { StatusBar } from "./status-bar";

export class EditorApp {
  readonly store = new EditorStore();
  readonly status = new StatusBar();
  readonly view = new CanvasView(this.store);
  readonly layers = new LayersPanel(this.store);
  readonly files = new FileCommands(this.store, this.status);
  /** where the PandA panel mounts */
  readonly dock = el("div", { class: "panda-dock" });
  private readonly commands: Command[];

  constructor(root: HTMLElement) {
    this.commands = buildCommands({ store: this.store, view: this.view, layers: this.layers, files: this.files, undoRedo: (which) => this.undoRedo(which) });
    this.commands.push({ id: "shortcuts", label: "Keyboard Shortcuts", shortcut: "F1", keys: ["f1"], run: () => showShortcuts(this.commands) });
    const menu = (label: string, ids: string[]): Menu => ({ label, items: ids.map((id) => (id === "-" ? "separator" : this.command(id))) });
    const menubar = new Menubar(
      [
        menu("File", ["new", "open", "open-layers", "-", "export-png", "export-ora"]),
        menu("Edit", ["undo", "redo"]),
        menu("Select", ["select-all", "select-none", "select-invert"]),
        menu("View", ["zoom-in", "zoom-out", "zoom-fit", "zoom-100"]),
        menu("Layer", ["layer-new", "layer-duplicate", "layer-rename", "layer-raise", "layer-lower", "layer-delete", "-", "mask-from-selection", "mask-toggle", "mask-apply", "mask-to-selection", "mask-delete"]),
        menu("Help", ["shortcuts"]),
      ],
      (item) => this.guard(() => item.run()),
    );
    this.dock.dataset.testid = "panda-dock";
    const pandaSection = el("section", { class: "dock-panel panda-dock-section" }, el("header", { class: "dock-title" }, "PandA"), this.dock);
    root.replaceChildren(
      el("header", { class: "topbar" }, el("span", { class: "app-title" }, "PandA Studio"), menubar.element, this.viewButtons()),
      el("main", { class: "workspace" }, this.view.element, new Dock(pandaSection, this.layers.element).element),
      this.status.element,
      ...this.files.inputs,
    );
    this.store.subscribe((doc) => {
      this.status.showDocument(doc);
      document.title = doc ? `${doc.title} — PandA Studio` : "PandA Studio";
    });
    this.status.showDocument(null);
    this.view.onChange(({ zoom, pointer }) => this.status.showView(zoom, pointer));
    this.status.showView(this.view.zoomLevel, null);
    this.files.acceptDrops(this.view.element);
    const action = (id: string, label: string) => el("button", { class: "action-button", type: "button", textContent: label, onclick: () => this.guard(() => this.command(id).run()) });
    this.view.setEmptyActions(action("new", "New image…"), action("open", "Open…"));
    window.addEventListener("keydown", (e) => this.onKey(e));
    // closing or reloading the tab with unsaved work: the browser asks first
    window.addEventListener("beforeunload", (e) => {
      if (!this.store.unsaved) return;
      e.preventDefault();
      e.returnValue = ""; // older browsers need it set
    });
  }

  private command(id: string): Command {
    const command = this.commands.find((c) => c.id === id);
    if (!command) throw new Error(`no command "${id}"`);
    return command;
  }

  private viewButtons(): HTMLElement {
    const button = (id: string, icon: string, title: string) => {
      const command = this.command(id);
      const b = keepFocus(el("button", { class: "icon-button", type: "button", title: `${title} (${command.shortcut})`, onclick: () => command.run() }, el("span", { class: `icon icon-${icon}` })));
      b.dataset.testid = `view-${id}`;
      return b;
    };
    return el("div", { class: "topbar-tools" }, button("zoom-out", "zoom-out", "Zoom out"), button("zoom-in", "zoom-in", "Zoom in"), button("zoom-fit", "fit", "Fit"), button("zoom-100", "one", "100%"));
  }

  private onKey(e: KeyboardEvent): void {
    if (isTyping(e)) return;
    const combo = shortcutOf(e);
    const command = this.commands.find((c) => c.keys?.includes(combo));
    if (!command) return;
    e.preventDefault();
    if (command.enabled?.() ?? true) void this.guard(() => command.run());
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
}
