/**
 * The editor's user commands, in one list that the menus, the toolbar and the keyboard share:
 * label, shortcut, when each is enabled, and what it does.
 */
import * as D from "../document";
import { blankRgba } from "../raster";
import { EditorStore } from "../store";
import { CanvasView } from "./canvas-view";
import { FileCommands } from "./file-commands";
import { LayersPanel } from "./layers-panel";
import { MenuItem } from "./menubar";

export interface Command extends MenuItem {
  /** key combinations as `shortcutOf` names them, e.g. "mod+z", "mod+shift+z", "f2" */
  keys?: string[];
}

export interface CommandContext {
  store: EditorStore;
  view: CanvasView;
  layers: LayersPanel;
  files: FileCommands;
  undoRedo(which: "undo" | "redo"): void;
}

/** Names a keydown like the `keys` of commands ("mod" is Ctrl, or ⌘ on macOS). */
export function shortcutOf(e: KeyboardEvent): string {
  return [e.ctrlKey || e.metaKey ? "mod" : "", e.altKey ? "alt" : "", e.shiftKey ? "shift" : "", e.key.toLowerCase()].filter(Boolean).join("+");
}

export function buildCommands({ store, view, layers, files, undoRedo }: CommandContext): Command[] {
  const doc = () => store.doc;
  const active = () => (store.doc ? D.activeLayer(store.doc) : null);
  const onActive = (title: string, change: (d: D.EditorDocument, layer: D.Layer) => D.EditorDocument) => () => {
    const layer = active();
    if (layer) store.apply(title, (d) => change(d!, layer));
  };
  return [
    // Ctrl+N belongs to the browser (a new window); Photopea also moves New to Ctrl+Alt+N.
    { id: "new", label: "New…", shortcut: "Ctrl+Alt+N", keys: ["mod+alt+n"], run: () => files.newDocument() },
    { id: "open", label: "Open…", shortcut: "Ctrl+O", keys: ["mod+o"], run: () => files.chooseToOpen() },
    { id: "open-layers", label: "Open as Layers…", shortcut: "Ctrl+Alt+O", keys: ["mod+alt+o"], run: () => files.chooseLayers() },
    { id: "export-png", label: "Export as PNG", shortcut: "Ctrl+E", keys: ["mod+e"], enabled: () => !!doc(), run: () => files.exportPng() },
    { id: "export-ora", label: "Export as OpenRaster (.ora)", shortcut: "Ctrl+Shift+E", keys: ["mod+shift+e"], enabled: () => !!doc(), run: () => files.exportOra() },
    {
      id: "undo",
      get label() {
        return store.undoTitle ? `Undo ${store.undoTitle}` : "Undo";
      },
      shortcut: "Ctrl+Z",
      keys: ["mod+z"],
      enabled: () => !!store.undoTitle,
      run: () => undoRedo("undo"),
    },
    {
      id: "redo",
      get label() {
        return store.redoTitle ? `Redo ${store.redoTitle}` : "Redo";
      },
      shortcut: "Ctrl+Shift+Z",
      keys: ["mod+shift+z", "mod+y"],
      enabled: () => !!store.redoTitle,
      run: () => undoRedo("redo"),
    },
    { id: "select-all", label: "All", shortcut: "Ctrl+A", keys: ["mod+a"], enabled: () => !!doc(), run: () => store.apply("Select all", (d) => D.selectAll(d!)) },
    { id: "select-none", label: "None", shortcut: "Ctrl+Shift+A", keys: ["mod+shift+a"], enabled: () => !!doc()?.selection, run: () => store.apply("Select none", (d) => D.setSelection(d!, null)) },
    { id: "select-invert", label: "Invert", shortcut: "Ctrl+I", keys: ["mod+i"], enabled: () => !!doc(), run: () => store.apply("Invert selection", (d) => D.invertSelection(d!)) },
    { id: "zoom-in", label: "Zoom In", shortcut: "Ctrl++", keys: ["mod+=", "mod++", "mod+shift++"], enabled: () => !!doc(), run: () => view.zoomStep(1) },
    { id: "zoom-out", label: "Zoom Out", shortcut: "Ctrl+−", keys: ["mod+-"], enabled: () => !!doc(), run: () => view.zoomStep(-1) },
    { id: "zoom-fit", label: "Fit Image in Window", shortcut: "Ctrl+0", keys: ["mod+0"], enabled: () => !!doc(), run: () => view.fit() },
    { id: "zoom-100", label: "Actual Size (100%)", shortcut: "Ctrl+1", keys: ["mod+1"], enabled: () => !!doc(), run: () => view.actualSize() },
    {
      id: "layer-new",
      label: "New Layer",
      // Ctrl+Shift+N is the browser's (a private window)
      shortcut: "Ctrl+Alt+Shift+N",
      keys: ["mod+alt+shift+n"],
      enabled: () => !!doc(),
      run: () => {
        const id = store.newLayerId();
        store.apply("New layer", (d) => D.addLayer(d!, D.createLayer({ id, name: `Layer ${d!.layers.length + 1}`, pixels: blankRgba(d!.width, d!.height) })));
      },
    },
    {
      id: "layer-duplicate",
      label: "Duplicate Layer",
      shortcut: "Ctrl+Shift+D",
      keys: ["mod+shift+d"],
      enabled: () => !!active(),
      run: () => {
        const id = store.newLayerId();
        onActive("Duplicate layer", (d, l) => D.duplicateLayer(d, l.id, id))();
      },
    },
    { id: "layer-rename", label: "Rename Layer…", shortcut: "F2", keys: ["f2"], enabled: () => !!active(), run: () => layers.rename(active()!) },
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
    { id: "mask-apply", label: "Apply Layer Mask", enabled: () => !!active()?.mask, run: onActive("Apply layer mask", (d, l) => D.applyLayerMask(d, l.id)) },
    { id: "mask-to-selection", label: "Mask to Selection", enabled: () => !!active()?.mask, run: onActive("Mask to selection", (d, l) => D.maskToSelection(d, l.id)) },
    { id: "mask-delete", label: "Delete Layer Mask", enabled: () => !!active()?.mask, run: onActive("Delete layer mask", (d, l) => D.setLayerMask(d, l.id, null)) },
  ];
}
