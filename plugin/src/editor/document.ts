/**
 * The document model: immutable values and pure functions that return a new document.
 * Nothing here touches the DOM, so it is tested in plain jest. Because a state never changes
 * after it is made, the undo history simply keeps earlier states (pixel buffers are shared).
 */
import { GrayRaster, RgbaRaster, applyMask, checkGray, checkRgba, checkSize, filledGray, sameSize, sizeText } from "./raster";

export interface LayerMask {
  /** at the layer's own size, in layer coordinates */
  readonly image: GrayRaster;
  /** a disabled mask is kept but not applied (GIMP's "Disable Layer Mask") */
  readonly enabled: boolean;
}

export interface Layer {
  readonly id: string;
  readonly name: string;
  readonly visible: boolean;
  /** 0…1 */
  readonly opacity: number;
  /** offset of the layer's top-left corner in document pixels */
  readonly x: number;
  readonly y: number;
  readonly pixels: RgbaRaster;
  readonly mask: LayerMask | null;
  /** text a plugin keeps with the layer (PandA: what made it); saved in .ora files */
  readonly metadata: string | null;
}

export interface EditorDocument {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  /** bottom to top */
  readonly layers: readonly Layer[];
  readonly activeLayerId: string | null;
  /** document-sized gray selection; null = no selection (everything is editable, as in GIMP) */
  readonly selection: GrayRaster | null;
}

export function newDocument(width: number, height: number, title = "Untitled"): EditorDocument {
  checkSize(width, height);
  return { width, height, title, layers: [], activeLayerId: null, selection: null };
}

export interface LayerInit {
  id: string;
  name: string;
  pixels: RgbaRaster;
  x?: number;
  y?: number;
  opacity?: number;
  visible?: boolean;
  mask?: LayerMask | null;
  metadata?: string | null;
}

export function createLayer(init: LayerInit): Layer {
  const layer: Layer = {
    id: init.id,
    name: init.name,
    visible: init.visible ?? true,
    opacity: init.opacity ?? 1,
    x: init.x ?? 0,
    y: init.y ?? 0,
    pixels: checkRgba(init.pixels),
    mask: init.mask ?? null,
    metadata: init.metadata ?? null,
  };
  checkLayer(layer);
  return layer;
}

function checkLayer(layer: Layer): void {
  if (!(layer.opacity >= 0 && layer.opacity <= 1)) throw new RangeError(`opacity is 0…1, not ${layer.opacity}`);
  if (!Number.isInteger(layer.x) || !Number.isInteger(layer.y)) throw new RangeError("a layer's offset is in whole pixels");
  if (layer.mask) {
    checkGray(layer.mask.image);
    if (!sameSize(layer.mask.image, layer.pixels)) {
      throw new RangeError(`the mask (${sizeText(layer.mask.image)}) must have the layer's size (${sizeText(layer.pixels)})`);
    }
  }
}

export function findLayer(doc: EditorDocument, id: string): Layer {
  const layer = doc.layers.find((l) => l.id === id);
  if (!layer) throw new Error(`no layer "${id}" in the document (it may have been deleted)`);
  return layer;
}

export function activeLayer(doc: EditorDocument): Layer | null {
  return doc.layers.find((l) => l.id === doc.activeLayerId) ?? null;
}

/** Adds a layer just above the active one (on top when none is active) and makes it active. */
export function addLayer(doc: EditorDocument, layer: Layer): EditorDocument {
  if (doc.layers.some((l) => l.id === layer.id)) throw new Error(`layer id "${layer.id}" is already used`);
  const activeIndex = doc.layers.findIndex((l) => l.id === doc.activeLayerId);
  const at = activeIndex < 0 ? doc.layers.length : activeIndex + 1;
  const layers = [...doc.layers.slice(0, at), layer, ...doc.layers.slice(at)];
  return { ...doc, layers, activeLayerId: layer.id };
}

export type LayerPatch = Partial<Pick<Layer, "name" | "visible" | "opacity" | "x" | "y" | "pixels" | "mask" | "metadata">>;

export function updateLayer(doc: EditorDocument, id: string, patch: LayerPatch): EditorDocument {
  const old = findLayer(doc, id);
  const layer: Layer = { ...old, ...patch };
  if (patch.pixels) checkRgba(patch.pixels);
  checkLayer(layer);
  return { ...doc, layers: doc.layers.map((l) => (l.id === id ? layer : l)) };
}

export function removeLayer(doc: EditorDocument, id: string): EditorDocument {
  const index = doc.layers.findIndex((l) => l.id === id);
  findLayer(doc, id);
  const layers = doc.layers.filter((l) => l.id !== id);
  // The layer below takes over (GIMP's choice); the new bottom one when the bottom went.
  const next = layers[Math.max(0, index - 1)] ?? null;
  const activeLayerId = doc.activeLayerId === id ? (next?.id ?? null) : doc.activeLayerId;
  return { ...doc, layers, activeLayerId };
}

/** Moves a layer up (+1) or down (−1) in the stack; no-op at the ends. */
export function moveLayer(doc: EditorDocument, id: string, delta: 1 | -1): EditorDocument {
  const index = doc.layers.findIndex((l) => l.id === id);
  findLayer(doc, id);
  const target = index + delta;
  if (target < 0 || target >= doc.layers.length) return doc;
  const layers = [...doc.layers];
  [layers[index], layers[target]] = [layers[target], layers[index]];
  return { ...doc, layers };
}

export function setActiveLayer(doc: EditorDocument, id: string | null): EditorDocument {
  if (id === doc.activeLayerId) return doc;
  if (id !== null) findLayer(doc, id);
  return { ...doc, activeLayerId: id };
}

export function setLayerMask(doc: EditorDocument, id: string, mask: GrayRaster | null): EditorDocument {
  return updateLayer(doc, id, { mask: mask ? { image: checkGray(mask), enabled: true } : null });
}

export function setMaskEnabled(doc: EditorDocument, id: string, enabled: boolean): EditorDocument {
  const mask = findLayer(doc, id).mask;
  if (!mask) throw new Error(`layer "${findLayer(doc, id).name}" has no mask`);
  return updateLayer(doc, id, { mask: { ...mask, enabled } });
}

export function setSelection(doc: EditorDocument, selection: GrayRaster | null): EditorDocument {
  if (selection) {
    checkGray(selection);
    if (!sameSize(selection, doc)) throw new RangeError(`a selection has the document's size (${sizeText(doc)}), not ${sizeText(selection)}`);
  }
  return { ...doc, selection };
}

export function selectAll(doc: EditorDocument): EditorDocument {
  return setSelection(doc, filledGray(doc.width, doc.height, 255));
}

/** Inverts the selection; with no selection, everything becomes selected (as in GIMP). */
export function invertSelection(doc: EditorDocument): EditorDocument {
  const current = doc.selection ?? filledGray(doc.width, doc.height, 0);
  return setSelection(doc, { width: doc.width, height: doc.height, gray: current.gray.map((v) => 255 - v) });
}

/** The part of the selection that falls on a layer, in the layer's coordinates (a mask from the selection). */
export function selectionOnLayer(doc: EditorDocument, layer: Layer): GrayRaster {
  const { width, height } = layer.pixels;
  if (!doc.selection) return filledGray(width, height, 255);
  const gray = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const dy = y + layer.y;
    if (dy < 0 || dy >= doc.height) continue;
    for (let x = 0; x < width; x++) {
      const dx = x + layer.x;
      if (dx >= 0 && dx < doc.width) gray[y * width + x] = doc.selection.gray[dy * doc.width + dx];
    }
  }
  return { width, height, gray };
}

/** Where a layer of this size sits when centred on the document (how images opened as layers are placed). */
export function centredOffset(doc: EditorDocument, size: { width: number; height: number }): { x: number; y: number } {
  return { x: Math.floor((doc.width - size.width) / 2), y: Math.floor((doc.height - size.height) / 2) };
}

/** The layer's mask as the document's selection (in document coordinates; outside the layer: unselected). */
export function maskToSelection(doc: EditorDocument, id: string): EditorDocument {
  const layer = findLayer(doc, id);
  if (!layer.mask) throw new Error(`layer "${layer.name}" has no mask`);
  const { gray: mask, width, height } = layer.mask.image;
  const gray = new Uint8Array(doc.width * doc.height);
  for (let y = Math.max(0, layer.y); y < Math.min(doc.height, layer.y + height); y++) {
    for (let x = Math.max(0, layer.x); x < Math.min(doc.width, layer.x + width); x++) gray[y * doc.width + x] = mask[(y - layer.y) * width + (x - layer.x)];
  }
  return setSelection(doc, { width: doc.width, height: doc.height, gray });
}

/** Bakes the mask into the layer's alpha and removes it (GIMP's "Apply Layer Mask"). */
export function applyLayerMask(doc: EditorDocument, id: string): EditorDocument {
  const layer = findLayer(doc, id);
  if (!layer.mask) throw new Error(`layer "${layer.name}" has no mask`);
  const pixels = layer.mask.enabled ? applyMask(layer.pixels, layer.mask.image) : layer.pixels;
  return updateLayer(doc, id, { pixels, mask: null });
}

/** A copy of the layer just above it, named "<name> copy", made active. */
export function duplicateLayer(doc: EditorDocument, id: string, newId: string): EditorDocument {
  const layer = findLayer(doc, id);
  return addLayer(setActiveLayer(doc, id), { ...layer, id: newId, name: `${layer.name} copy` });
}
