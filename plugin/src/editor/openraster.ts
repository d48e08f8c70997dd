/**
 * OpenRaster (.ora) read and write. The file is a ZIP: `mimetype` first and stored uncompressed,
 * `stack.xml`, one PNG per layer under data/, `mergedimage.png` and `Thumbnails/thumbnail.png`.
 *
 * Layer masks: OpenRaster has no mask element, so a masked layer is written the way the format can
 * express it and Krita renders it: an isolated <stack> (the layer's name, opacity and visibility)
 * holding the pixel layer and, above it, a mask layer with `composite-op="svg:dst-in"` whose PNG is
 * white with the mask as alpha ("keep the pixels below where this is opaque"). A disabled mask is
 * the same layer with visibility="hidden", which every reader shows as "not applied". Reading
 * recognises that pattern and restores a layer with its mask; other groups are flattened into
 * plain layers (opacities multiplied), since this editor has no groups.
 *
 * PNG coding is injected: canvas in the browser, pngjs in node tests.
 */
import JSZip from "jszip";
import { EditorDocument, Layer, createLayer, newDocument } from "./document";
import { flatten } from "./composite";
import { RgbaRaster, alphaOf, grayAsAlpha } from "./raster";
import { resampleRgba } from "./resample";
import { XmlElement, escapeXml, parseXml } from "./xml";

export interface PngCodec {
  encode(image: RgbaRaster): Promise<Uint8Array>;
  decode(bytes: Uint8Array): Promise<RgbaRaster>;
}

export const ORA_MIMETYPE = "image/openraster";
const MASK_OP = "svg:dst-in";
const THUMBNAIL_MAX = 256;

export async function writeOra(doc: EditorDocument, png: PngCodec): Promise<Uint8Array> {
  const zip = new JSZip();
  // Readers sniff the type from the first entry, which must be stored, not deflated.
  zip.file("mimetype", ORA_MIMETYPE, { compression: "STORE" });
  const entries: string[] = [];
  // stack.xml lists the top layer first; the document keeps bottom to top.
  for (const [index, layer] of [...doc.layers].entries()) {
    const src = `data/layer${index}.png`;
    zip.file(src, await png.encode(layer.pixels), { compression: "STORE" });
    let maskSrc: string | null = null;
    if (layer.mask) {
      maskSrc = `data/layer${index}-mask.png`;
      zip.file(maskSrc, await png.encode(grayAsAlpha(layer.mask.image)), { compression: "STORE" });
    }
    entries.unshift(layerXml(layer, src, maskSrc));
  }
  const xml = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<image version="0.0.5" w="${doc.width}" h="${doc.height}" xres="72" yres="72">`,
    `  <stack name="${escapeXml(doc.title)}">`,
    ...entries.map((e) => `    ${e}`),
    `  </stack>`,
    `</image>`,
  ].join("\n");
  zip.file("stack.xml", xml);
  const merged = flatten(doc);
  zip.file("mergedimage.png", await png.encode(merged), { compression: "STORE" });
  zip.file("Thumbnails/thumbnail.png", await png.encode(thumbnail(merged)), { compression: "STORE" });
  return zip.generateAsync({ type: "uint8array", compression: "DEFLATE", mimeType: ORA_MIMETYPE });
}

function layerXml(layer: Layer, src: string, maskSrc: string | null): string {
  const common = `name="${escapeXml(layer.name)}" opacity="${round(layer.opacity)}" visibility="${layer.visible ? "visible" : "hidden"}"`;
  const position = `x="${layer.x}" y="${layer.y}"`;
  if (!layer.mask || !maskSrc) return `<layer ${common} ${position} src="${src}" composite-op="svg:src-over"/>`;
  const maskVisibility = layer.mask.enabled ? "visible" : "hidden";
  return (
    `<stack ${common} isolation="isolate" composite-op="svg:src-over">` +
    `<layer name="${escapeXml(layer.name)} mask" opacity="1" visibility="${maskVisibility}" ${position} src="${maskSrc}" composite-op="${MASK_OP}"/>` +
    `<layer name="${escapeXml(layer.name)}" opacity="1" visibility="visible" ${position} src="${src}" composite-op="svg:src-over"/>` +
    `</stack>`
  );
}

const round = (v: number) => Math.round(v * 1000) / 1000;

function thumbnail(image: RgbaRaster): RgbaRaster {
  const scale = Math.min(1, THUMBNAIL_MAX / Math.max(image.width, image.height));
  const w = Math.max(1, Math.round(image.width * scale));
  const h = Math.max(1, Math.round(image.height * scale));
  return resampleRgba(image, w, h, "bilinear");
}

export async function readOra(bytes: Uint8Array, png: PngCodec, newId: () => string, title = "Untitled"): Promise<EditorDocument> {
  const zip = await JSZip.loadAsync(bytes);
  const mimetype = await zip.file("mimetype")?.async("string");
  if (mimetype?.trim() !== ORA_MIMETYPE) throw new Error(`not an OpenRaster file (mimetype is ${JSON.stringify(mimetype ?? null)})`);
  const stackXml = await zip.file("stack.xml")?.async("string");
  if (!stackXml) throw new Error("the OpenRaster file has no stack.xml");
  const image = parseXml(stackXml);
  if (image.name !== "image") throw new Error(`stack.xml's root is <${image.name}>, not <image>`);
  const doc = newDocument(int(image.attributes.w, "w"), int(image.attributes.h, "h"), title);

  const readPng = async (src: string | undefined): Promise<RgbaRaster | null> => {
    const file = src ? zip.file(src) : null;
    return file ? png.decode(await file.async("uint8array")) : null;
  };

  // stack.xml lists the top first: children are visited in reverse so layers come bottom to top.
  const layers: Layer[] = [];
  const visit = async (element: XmlElement, opacity: number, visible: boolean): Promise<void> => {
    const a = element.attributes;
    const ownOpacity = opacity * num(a.opacity, 1);
    const ownVisible = visible && a.visibility !== "hidden";
    if (element.name === "stack") {
      const children = element.children.filter((c) => c.name === "layer" || c.name === "stack");
      const [maskElement, pixelElement] = children;
      if (children.length === 2 && maskElement.name === "layer" && maskElement.attributes["composite-op"] === MASK_OP && pixelElement.name === "layer") {
        const pixels = await readPng(pixelElement.attributes.src);
        const maskPixels = await readPng(maskElement.attributes.src);
        if (pixels) {
          const mask = maskPixels && maskPixels.width === pixels.width && maskPixels.height === pixels.height ? { image: alphaOf(maskPixels), enabled: maskElement.attributes.visibility !== "hidden" } : null;
          layers.push(makeLayer(pixelElement, pixels, a.name ?? pixelElement.attributes.name, ownOpacity * num(pixelElement.attributes.opacity, 1), ownVisible, mask));
        }
        return;
      }
      for (const child of [...children].reverse()) await visit(child, ownOpacity, ownVisible);
      return;
    }
    const pixels = await readPng(a.src);
    if (pixels) layers.push(makeLayer(element, pixels, a.name, ownOpacity, ownVisible, null));
  };

  const makeLayer = (element: XmlElement, pixels: RgbaRaster, name: string | undefined, opacity: number, visible: boolean, mask: Layer["mask"]): Layer =>
    createLayer({ id: newId(), name: name || "Layer", pixels, x: int(element.attributes.x ?? "0", "x"), y: int(element.attributes.y ?? "0", "y"), opacity: Math.min(1, Math.max(0, opacity)), visible, mask });

  const root = image.children.find((c) => c.name === "stack");
  if (root) for (const child of [...root.children].reverse()) await visit(child, 1, true);
  return { ...doc, layers, activeLayerId: layers[layers.length - 1]?.id ?? null };
}

function int(text: string | undefined, what: string): number {
  const value = Number(text);
  if (!Number.isInteger(value)) throw new Error(`stack.xml: ${what}="${text}" is not an integer`);
  return value;
}

function num(text: string | undefined, fallback: number): number {
  const value = text === undefined ? NaN : Number(text);
  return Number.isFinite(value) ? value : fallback;
}
