/**
 * Files in and out of the document: File ▸ New, opening images and .ora files (file inputs and
 * drops on the canvas), and exporting PNG and OpenRaster. Each change is one undo step, opening
 * a document included. Replacing a document with unsaved changes (since the last .ora export or
 * opening) asks first; a PNG export flattens, so it does not count as saving.
 */
import * as D from "../document";
import { flatten } from "../composite";
import { ORA_MIMETYPE, readOra, writeOra } from "../openraster";
import { encodePng } from "../png";
import { sizeText } from "../raster";
import { EditorStore } from "../store";
import { el } from "./dom";
import { baseName, browserPng, decodeImage, download, isOpenRaster } from "./file-io";
import { askDocumentSize } from "./new-document-dialog";

export interface Reporter {
  show(text: string, kind?: "info" | "error"): void;
}

/** Asks the user to confirm; the browser's confirm() unless a test or another shell gives one. */
export type Confirm = (question: string) => boolean;

export class FileCommands {
  /** hidden file inputs: they must be in the page for the file chooser (and for tests) */
  readonly inputs: HTMLInputElement[];
  private readonly openInput: HTMLInputElement;
  private readonly layersInput: HTMLInputElement;

  constructor(
    private readonly store: EditorStore,
    private readonly status: Reporter,
    private readonly confirm: Confirm = (question) => window.confirm(question),
  ) {
    this.openInput = fileInput("image/*,.ora", false, "open-file", (files) => this.open(files, false));
    this.layersInput = fileInput("image/*", true, "open-layers", (files) => this.open(files, true));
    this.inputs = [this.openInput, this.layersInput];
  }

  chooseToOpen(): void {
    this.openInput.click();
  }

  chooseLayers(): void {
    this.layersInput.click();
  }

  async newDocument(): Promise<void> {
    if (!this.mayReplace("a new image")) return;
    const size = await askDocumentSize(this.store.doc ?? { width: 1024, height: 1024 });
    if (!size) return;
    this.store.apply("New image", () => D.newDocument(size.width, size.height));
    this.store.markSaved();
  }

  /** Whether the open document may be replaced: yes when nothing would be lost, else the user's answer. */
  private mayReplace(by: string): boolean {
    const doc = this.store.doc;
    if (!doc || !this.store.unsaved) return true;
    const ok = this.confirm(`Replace "${doc.title}" by ${by}? Its changes since it was last exported as .ora will be lost (Undo brings it back).`);
    if (!ok) this.status.show(`Kept "${doc.title}"`);
    return ok;
  }

  /**
   * An .ora replaces the document. Images become layers, centred, in the current document
   * (`asLayers`), or each in a new document of its size.
   */
  async open(files: File[], asLayers: boolean): Promise<void> {
    for (const file of files) {
      try {
        await this.openOne(file, asLayers);
      } catch (err) {
        this.status.show(`${file.name}: ${(err as Error).message}`, "error");
      }
    }
  }

  private async openOne(file: File, asLayers: boolean): Promise<void> {
    if (isOpenRaster(file)) {
      const doc = await readOra(new Uint8Array(await file.arrayBuffer()), browserPng, () => this.store.newLayerId(), baseName(file.name));
      if (!this.mayReplace(file.name)) return;
      this.store.apply("Open", () => doc);
      this.store.markSaved();
      this.status.show(`Opened ${file.name}: ${sizeText(doc)}, ${doc.layers.length} layers`);
      return;
    }
    const pixels = await decodeImage(file);
    const name = baseName(file.name);
    const id = this.store.newLayerId();
    const replacing = !(this.store.doc && asLayers);
    if (replacing && !this.mayReplace(file.name)) return;
    this.store.apply(asLayers ? "Open as layer" : "Open", (doc) => {
      const base = doc && asLayers ? doc : D.newDocument(pixels.width, pixels.height, name);
      return D.addLayer(base, D.createLayer({ id, name, pixels, ...D.centredOffset(base, pixels) }));
    });
    if (replacing) this.store.markSaved();
    const layer = D.findLayer(this.store.doc!, id);
    this.status.show(`Opened ${file.name} (${sizeText(pixels)}) as a layer at ${layer.x}, ${layer.y}`);
  }

  async exportPng(): Promise<void> {
    const doc = this.store.doc;
    if (!doc) return;
    download(await encodePng(flatten(doc)), `${doc.title}.png`, "image/png");
    this.status.show(`Exported ${doc.title}.png (${sizeText(doc)}, flattened)`);
  }

  async exportOra(): Promise<void> {
    const doc = this.store.doc;
    if (!doc) return;
    download(await writeOra(doc, browserPng), `${doc.title}.ora`, ORA_MIMETYPE);
    if (this.store.doc === doc) this.store.markSaved();
    this.status.show(`Exported ${doc.title}.ora (${doc.layers.length} layers)`);
  }

  /** Files dropped on `target`: images join the open document (as GIMP does); an .ora opens as the document. */
  acceptDrops(target: HTMLElement): void {
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
      if (files.length) void this.open(files, true);
    });
  }
}

function fileInput(accept: string, multiple: boolean, testId: string, onFiles: (files: File[]) => void): HTMLInputElement {
  const input = el("input", { type: "file", accept, multiple, hidden: true });
  input.dataset.testid = testId;
  input.addEventListener("change", () => {
    const files = [...(input.files ?? [])];
    input.value = ""; // the same file can be opened again
    if (files.length) onFiles(files);
  });
  return input;
}
