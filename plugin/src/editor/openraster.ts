/**
 * OpenRaster (.ora) read and write. The file is a ZIP: `mimetype` first and stored uncompressed,
 * `stack.xml`, one PNG per layer under data/, `mergedimage.png` and `Thumbnails/thumbnail.png`.
 *
 * Layer masks: OpenRaster has no mask element, and readers differ — Krita honours
 * `composite-op="svg:dst-in"` in an isolated stack, GIMP treats unknown ops as normal, and Krita's
 * own export bakes masks into the layer. So a masked layer is written as an isolated <stack> (the
 * layer's name, opacity, visibility) that every reader shows correctly and that we read back whole:
 *   1. "<name> mask": hidden, `svg:dst-in`, white with the mask as alpha (shown in Krita, it is
 *      the mask at work; hidden, it changes nothing anywhere);
 *   2. "<name>": the pixels as they look — the mask applied when enabled, untouched when disabled;
 *   3. only when the mask is enabled, "<name> (unmasked)": hidden, the pixels before the mask.
 * Reading: a stack whose top child is a dst-in layer is one masked layer (the pixels from 3 when
 * present, else from 2; with two children, a visible mask layer means an enabled mask). Other
 * groups are flattened into plain layers (opacities multiplied), since this editor has no groups.
 *
 * A layer's plugin metadata (PandA: what made it) is the attribute `panda:metadata` of its element
 * (of the <stack> of a masked layer); OpenRaster lets writers add attributes in their own
 * namespace, and other readers ignore them.
 *
 * PNG coding is injected: canvas in the browser, pngjs in node tests.
 */
import JSZip from "jszip";
import { EditorDocument, Layer, createLayer, newDocument } from "./document";
import { flatten } from "./composite";
import { RgbaRaster, alphaOf, applyMask, grayAsAlpha, sameSize } from "./raster";
import { resampleRgba } from "./resample";
import { XmlElement, escapeXml, parseXml } from "./xml";

export interface PngCodec {
  encode(image: RgbaRaster): Promise<Uint8Array>;
  decode(bytes: Uint8Array): Promise<RgbaRaster>;
}

export const ORA_MIMETYPE = "image/openraster";
const MASK_OP = "svg:dst-in";
const THUMBNAIL_MAX = 256;
const METADATA_NS = "https://github.com/panda-studio/openraster";
const METADATA_ATTRIBUTE = "panda:metadata";

export async function writeOra(doc: EditorDocument, png: PngCodec): Promise<Uint8Array> {
  const zip = new JSZip();
  // Readers sniff the type from the first entry, which must be stored, not deflated.
  zip.file("mimetype", ORA_MIMETYPE, { compression: "STORE" });
  const entries: string[] = [];
  const files: [string, RgbaRaster][] = [];
  // stack.xml lists the top layer first; the document keeps bottom to top.
  for (const [index, layer] of doc.layers.entries()) {
    const file = (suffix: string, image: RgbaRaster) => {
      const path = `data/layer${index}${suffix}.png`;
      files.push([path, image]);
      return path;
    };
    entries.unshift(layerXml(layer, file));
  }
  for (const [path, image] of files) zip.file(path, await png.encode(image), { compression: "STORE" });
  const xml = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<image version="0.0.5" w="${doc.width}" h="${doc.height}" xres="72" yres="72" xmlns:panda="${METADATA_NS}">`,
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

/** The XML of one layer; `file` names a PNG to write for it. */
function layerXml(layer: Layer, file: (suffix: string, image: RgbaRaster) => string): string {
  const attrs = (name: string, visible: boolean, opacity = 1) => `name="${escapeXml(name)}" opacity="${round(opacity)}" visibility="${visible ? "visible" : "hidden"}"`;
  const at = `x="${layer.x}" y="${layer.y}"`;
  const metadata = layer.metadata === null ? "" : ` ${METADATA_ATTRIBUTE}="${escapeXml(layer.metadata)}"`;
  const own = attrs(layer.name, layer.visible, layer.opacity) + metadata;
  if (!layer.mask) return `<layer ${own} ${at} src="${file("", layer.pixels)}" composite-op="svg:src-over"/>`;
  const { image: mask, enabled } = layer.mask;
  const children = [
    `<layer ${attrs(`${layer.name} mask`, false)} ${at} src="${file("-mask", grayAsAlpha(mask))}" composite-op="${MASK_OP}"/>`,
    `<layer ${attrs(layer.name, true)} ${at} src="${file("", enabled ? applyMask(layer.pixels, mask) : layer.pixels)}" composite-op="svg:src-over"/>`,
  ];
  if (enabled) children.push(`<layer ${attrs(`${layer.name} (unmasked)`, false)} ${at} src="${file("-unmasked", layer.pixels)}" composite-op="svg:src-over"/>`);
  return `<stack ${own} isolation="isolate" composite-op="svg:src-over">${children.join("")}</stack>`;
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
      const [maskElement, shown, unmasked] = children;
      if (children.length >= 2 && children.length <= 3 && maskElement.name === "layer" && maskElement.attributes["composite-op"] === MASK_OP) {
        const pixelElement = unmasked ?? shown;
        const pixels = await readPng(pixelElement.attributes.src);
        const maskPixels = await readPng(maskElement.attributes.src);
        if (pixels) {
          const enabled = unmasked ? true : maskElement.attributes.visibility !== "hidden";
          const mask = maskPixels && sameSize(maskPixels, pixels) ? { image: alphaOf(maskPixels), enabled } : null;
          layers.push(makeLayer(shown, pixels, a.name ?? shown.attributes.name, ownOpacity * num(shown.attributes.opacity, 1), ownVisible, mask, a[METADATA_ATTRIBUTE]));
        }
        return;
      }
      for (const child of [...children].reverse()) await visit(child, ownOpacity, ownVisible);
      return;
    }
    const pixels = await readPng(a.src);
    if (pixels) layers.push(makeLayer(element, pixels, a.name, ownOpacity, ownVisible, null, a[METADATA_ATTRIBUTE]));
  };

  const makeLayer = (element: XmlElement, pixels: RgbaRaster, name: string | undefined, opacity: number, visible: boolean, mask: Layer["mask"], metadata: string | undefined): Layer =>
    createLayer({ id: newId(), name: name || "Layer", pixels, x: int(element.attributes.x ?? "0", "x"), y: int(element.attributes.y ?? "0", "y"), opacity: Math.min(1, Math.max(0, opacity)), visible, mask, metadata });

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
