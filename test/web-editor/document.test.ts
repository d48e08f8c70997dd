/** The web editor's document model, history, compositing, resampling and OpenRaster, in plain node. */
import JSZip from "jszip";
import { PNG } from "pngjs";
import * as D from "../../plugin/src/editor/document";
import { Compositor, flatten, layerInDocument } from "../../plugin/src/editor/composite";
import { History } from "../../plugin/src/editor/history";
import { EditorStore } from "../../plugin/src/editor/store";
import { PngCodec, readOra, writeOra } from "../../plugin/src/editor/openraster";
import { RgbaRaster, blankRgba, filledGray } from "../../plugin/src/editor/raster";
import { resampleGray, resampleRgba } from "../../plugin/src/editor/resample";
import { parseXml } from "../../plugin/src/editor/xml";
import { encodePng } from "../../plugin/src/editor/png";
import { selectionEdges } from "../../plugin/src/editor/selection";

function solid(width: number, height: number, [r, g, b, a]: number[]): RgbaRaster {
  const image = blankRgba(width, height);
  for (let i = 0; i < width * height; i++) image.rgba.set([r, g, b, a], i * 4);
  return image;
}

const pixel = (image: RgbaRaster, x: number, y: number) => Array.from(image.rgba.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));

const pngjs: PngCodec = {
  encode: async (image) => new Uint8Array(PNG.sync.write(Object.assign(new PNG({ width: image.width, height: image.height }), { data: Buffer.from(image.rgba) }))),
  decode: async (bytes) => {
    const png = PNG.sync.read(Buffer.from(bytes));
    return { width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
  },
};

function twoLayerDoc(): D.EditorDocument {
  let doc = D.newDocument(4, 3, "Test");
  doc = D.addLayer(doc, D.createLayer({ id: "a", name: "Background", pixels: solid(4, 3, [255, 0, 0, 255]) }));
  doc = D.addLayer(doc, D.createLayer({ id: "b", name: "Top", pixels: solid(2, 2, [0, 0, 255, 255]), x: 1, y: 1 }));
  return doc;
}

describe("document", () => {
  test("layers are added above the active one, which becomes the new one", () => {
    let doc = twoLayerDoc();
    doc = D.setActiveLayer(doc, "a");
    doc = D.addLayer(doc, D.createLayer({ id: "c", name: "Middle", pixels: blankRgba(4, 3) }));
    expect(doc.layers.map((l) => l.id)).toEqual(["a", "c", "b"]);
    expect(doc.activeLayerId).toBe("c");
  });

  test("move, rename, remove, and the layer below becomes active", () => {
    let doc = twoLayerDoc();
    expect(D.moveLayer(doc, "b", 1)).toBe(doc);
    doc = D.moveLayer(doc, "b", -1);
    expect(doc.layers.map((l) => l.id)).toEqual(["b", "a"]);
    doc = D.updateLayer(doc, "a", { name: "Renamed" });
    expect(D.findLayer(doc, "a").name).toBe("Renamed");
    doc = D.setActiveLayer(doc, "a");
    doc = D.removeLayer(doc, "a");
    expect(doc.activeLayerId).toBe("b");
    expect(() => D.findLayer(doc, "a")).toThrow(/no layer "a"/);
  });

  test("masks must have the layer's size; disabling keeps them", () => {
    let doc = twoLayerDoc();
    expect(() => D.setLayerMask(doc, "b", filledGray(4, 3, 0))).toThrow(/mask \(4×3\) must have the layer's size \(2×2\)/);
    doc = D.setLayerMask(doc, "b", filledGray(2, 2, 0));
    doc = D.setMaskEnabled(doc, "b", false);
    expect(D.findLayer(doc, "b").mask).toMatchObject({ enabled: false });
    expect(() => D.setMaskEnabled(doc, "a", true)).toThrow(/has no mask/);
  });

  test("mask to selection, apply mask, duplicate", () => {
    let doc = twoLayerDoc();
    doc = D.setLayerMask(doc, "b", { width: 2, height: 2, gray: Uint8Array.of(10, 20, 30, 40) });
    const selected = D.maskToSelection(doc, "b").selection!;
    expect(Array.from(selected.gray)).toEqual([0, 0, 0, 0, 0, 10, 20, 0, 0, 30, 40, 0]);
    const applied = D.findLayer(D.applyLayerMask(doc, "b"), "b");
    expect(applied.mask).toBeNull();
    expect(Array.from(applied.pixels.rgba.filter((_, i) => i % 4 === 3))).toEqual([10, 20, 30, 40]);
    const copied = D.duplicateLayer(D.setActiveLayer(doc, "b"), "a", "a2");
    expect(copied.layers.map((l) => [l.id, l.name])).toEqual([["a", "Background"], ["a2", "Background copy"], ["b", "Top"]]);
    expect(copied.activeLayerId).toBe("a2");
  });

  test("selection: document size, invert, and a layer's share of it", () => {
    let doc = twoLayerDoc();
    expect(() => D.setSelection(doc, filledGray(2, 2, 255))).toThrow(/document's size/);
    doc = D.invertSelection(doc);
    expect(doc.selection!.gray.every((v) => v === 255)).toBe(true);
    const gray = new Uint8Array(12);
    gray[1 * 4 + 1] = 200;
    doc = D.setSelection(doc, { width: 4, height: 3, gray });
    expect(Array.from(D.selectionOnLayer(doc, D.findLayer(doc, "b")).gray)).toEqual([200, 0, 0, 0]);
    expect(D.invertSelection(doc).selection!.gray[5]).toBe(55);
  });
});

describe("composite", () => {
  test("offsets, opacity, visibility and enabled masks", () => {
    let doc = twoLayerDoc();
    expect(pixel(flatten(doc), 0, 0)).toEqual([255, 0, 0, 255]);
    expect(pixel(flatten(doc), 1, 1)).toEqual([0, 0, 255, 255]);
    doc = D.updateLayer(doc, "b", { opacity: 0.5 });
    expect(pixel(flatten(doc), 2, 2)).toEqual([128, 0, 128, 255]);
    doc = D.setLayerMask(doc, "b", { width: 2, height: 2, gray: Uint8Array.of(0, 255, 255, 255) });
    expect(pixel(flatten(doc), 1, 1)).toEqual([255, 0, 0, 255]);
    doc = D.setMaskEnabled(doc, "b", false);
    expect(pixel(flatten(doc), 1, 1)).toEqual([128, 0, 128, 255]);
    doc = D.updateLayer(doc, "a", { visible: false });
    expect(pixel(flatten(doc), 0, 0)).toEqual([0, 0, 0, 0]);
    expect(pixel(flatten(doc), 1, 1)).toEqual([0, 0, 255, 128]);
  });

  test("the compositor reuses the layers below a changing one and still matches flatten()", () => {
    const compositor = new Compositor();
    let doc = twoLayerDoc();
    doc = D.addLayer(doc, D.createLayer({ id: "c", name: "Preview", pixels: solid(4, 3, [0, 255, 0, 100]) }));
    const steps = [
      (d: D.EditorDocument) => D.updateLayer(d, "c", { pixels: solid(4, 3, [0, 200, 0, 150]) }),
      (d: D.EditorDocument) => D.updateLayer(d, "c", { opacity: 0.3 }),
      (d: D.EditorDocument) => D.updateLayer(d, "a", { visible: false }),
      (d: D.EditorDocument) => D.updateLayer(d, "c", { pixels: solid(4, 3, [9, 9, 9, 255]) }),
      (d: D.EditorDocument) => D.removeLayer(d, "b"),
      (d: D.EditorDocument) => D.updateLayer(d, "a", { visible: true }),
    ];
    expect(compositor.flatten(doc)).toEqual(flatten(doc));
    for (const step of steps) {
      doc = step(doc);
      expect(compositor.flatten(doc)).toEqual(flatten(doc));
    }
  });

  test("a layer placed into document space", () => {
    const doc = twoLayerDoc();
    const placed = layerInDocument(doc, D.findLayer(doc, "b"));
    expect([placed.width, placed.height]).toEqual([4, 3]);
    expect(pixel(placed, 0, 0)).toEqual([0, 0, 0, 0]);
    expect(pixel(placed, 2, 2)).toEqual([0, 0, 255, 255]);
  });
});

describe("resample", () => {
  test("nearest doubles pixels, bilinear averages, transparent colour does not bleed", () => {
    const image = { width: 2, height: 1, rgba: Uint8Array.of(255, 0, 0, 255, 0, 255, 0, 0) };
    const nearest = resampleRgba(image, 4, 1, "nearest");
    expect(pixel(nearest, 1, 0)).toEqual([255, 0, 0, 255]);
    expect(pixel(nearest, 2, 0)).toEqual([0, 0, 0, 0]);
    const down = resampleRgba(image, 1, 1, "bilinear");
    expect(pixel(down, 0, 0)).toEqual([255, 0, 0, 128]);
    const gray = resampleGray({ width: 4, height: 4, gray: new Uint8Array(16).fill(100) }, 7, 3, "bicubic");
    expect(gray.gray.every((v) => v === 100)).toBe(true);
  });
});

describe("history and store", () => {
  test("undo/redo, and a new step drops the redo branch", () => {
    const history = new History(0);
    history.apply("one", 1);
    history.apply("two", 2);
    expect(history.undo()).toBe("two");
    expect(history.present).toBe(1);
    expect(history.redo()).toBe("two");
    history.undo();
    history.apply("three", 3);
    expect(history.redoTitle).toBeNull();
    expect(history.undo()).toBe("three");
    expect(history.present).toBe(1);
  });

  test("a transaction is one step, in-place updates with the same title join it, rollback restores", () => {
    const store = new EditorStore();
    store.apply("New", () => D.newDocument(2, 2));
    const add = store.begin("Preview");
    add.change((doc) => D.addLayer(doc!, D.createLayer({ id: "p", name: "Preview", pixels: blankRgba(2, 2) })));
    expect(store.undo()).toBeNull(); // busy
    add.commit();
    const update = store.begin("Preview");
    update.change((doc) => D.updateLayer(doc!, "p", { pixels: solid(2, 2, [1, 2, 3, 255]) }), true);
    update.commit();
    const failed = store.begin("Broken");
    failed.change((doc) => D.removeLayer(doc!, "p"));
    failed.rollback();
    expect(store.doc!.layers).toHaveLength(1);
    expect(store.undo()).toBe("Preview");
    expect(store.doc!.layers).toHaveLength(0);
    expect(store.undo()).toBe("New");
    expect(store.doc).toBeNull();
  });
});

describe("unsaved work", () => {
  test("a document with layers is unsaved until saved; undoing back to the saved state is saved again", () => {
    const store = new EditorStore();
    expect(store.unsaved).toBe(false);
    store.apply("New", () => D.newDocument(2, 2));
    expect(store.unsaved).toBe(false); // empty: nothing to lose
    store.apply("Add", (doc) => D.addLayer(doc!, D.createLayer({ id: "a", name: "A", pixels: blankRgba(2, 2) })));
    expect(store.unsaved).toBe(true);
    store.markSaved();
    expect(store.unsaved).toBe(false);
    store.apply("Rename", (doc) => D.updateLayer(doc!, "a", { name: "B" }));
    expect(store.unsaved).toBe(true);
    store.undo();
    expect(store.unsaved).toBe(false);
  });
});

describe("selection outline", () => {
  test("merged edges around the selected area, the image border included", () => {
    const gray = new Uint8Array(25);
    for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) gray[y * 5 + x] = 255;
    expect(selectionEdges({ width: 5, height: 5, gray })).toEqual([1, 1, 4, 1, 1, 4, 4, 4, 1, 1, 1, 4, 4, 1, 4, 4]);
    expect(selectionEdges(filledGray(2, 1, 200))).toEqual([0, 0, 2, 0, 0, 1, 2, 1, 0, 0, 0, 1, 2, 0, 2, 1]);
  });
});

describe("OpenRaster", () => {
  test("zip layout, stack.xml, masks as dst-in layers, and a round trip", async () => {
    let doc = twoLayerDoc();
    doc = D.updateLayer(doc, "b", { opacity: 0.5, name: 'Top & "quoted"' });
    doc = D.setLayerMask(doc, "b", { width: 2, height: 2, gray: Uint8Array.of(0, 100, 200, 255) });
    doc = D.setMaskEnabled(doc, "b", false);
    doc = D.updateLayer(doc, "a", { visible: false });
    const bytes = await writeOra(doc, pngjs);

    // mimetype: first entry, stored, at offset 38 as the spec's magic requires
    expect(Buffer.from(bytes.subarray(30, 38)).toString()).toBe("mimetype");
    expect(Buffer.from(bytes.subarray(38, 54)).toString()).toBe("image/openraster");
    const zip = await JSZip.loadAsync(bytes);
    expect(Object.keys(zip.files).sort()).toEqual(
      ["Thumbnails/", "Thumbnails/thumbnail.png", "data/", "data/layer0.png", "data/layer1-mask.png", "data/layer1.png", "mergedimage.png", "mimetype", "stack.xml"].sort(),
    );
    const stack = parseXml(await zip.file("stack.xml")!.async("string"));
    expect(stack.attributes).toMatchObject({ w: "4", h: "3" });
    const [top, bottom] = stack.children[0].children;
    expect(top.name).toBe("stack");
    expect(top.attributes).toMatchObject({ name: 'Top & "quoted"', opacity: "0.5", isolation: "isolate" });
    expect(top.children[0].attributes).toMatchObject({ "composite-op": "svg:dst-in", visibility: "hidden", src: "data/layer1-mask.png" });
    expect(bottom.attributes).toMatchObject({ name: "Background", visibility: "hidden", src: "data/layer0.png" });

    let id = 0;
    const back = await readOra(bytes, pngjs, () => `r${++id}`, "back");
    expect([back.width, back.height]).toEqual([4, 3]);
    expect(back.layers.map((l) => [l.name, l.opacity, l.visible, l.x, l.y])).toEqual([
      ["Background", 1, false, 0, 0],
      ['Top & "quoted"', 0.5, true, 1, 1],
    ]);
    expect(back.layers[1].mask).toEqual({ image: { width: 2, height: 2, gray: Uint8Array.of(0, 100, 200, 255) }, enabled: false });
    expect(back.layers[1].pixels.rgba).toEqual(doc.layers[1].pixels.rgba);
    expect(back.activeLayerId).toBe("r2");
  });

  test("an enabled mask: other editors see the masked pixels, we read back the pixels and the mask", async () => {
    let doc = twoLayerDoc();
    doc = D.setLayerMask(doc, "b", { width: 2, height: 2, gray: Uint8Array.of(0, 100, 200, 255) });
    const bytes = await writeOra(doc, pngjs);
    const zip = await JSZip.loadAsync(bytes);
    const stack = parseXml(await zip.file("stack.xml")!.async("string")).children[0].children[0];
    expect(stack.children.map((c) => [c.attributes.name, c.attributes.visibility, c.attributes["composite-op"], c.attributes.src])).toEqual([
      ["Top mask", "hidden", "svg:dst-in", "data/layer1-mask.png"],
      ["Top", "visible", "svg:src-over", "data/layer1.png"],
      ["Top (unmasked)", "hidden", "svg:src-over", "data/layer1-unmasked.png"],
    ]);
    const shown = await pngjs.decode(await zip.file("data/layer1.png")!.async("uint8array"));
    expect(Array.from(shown.rgba.filter((_, i) => i % 4 === 3))).toEqual([0, 100, 200, 255]);
    const back = await readOra(bytes, pngjs, () => String(Math.random()));
    expect(back.layers[1].mask).toEqual({ image: { width: 2, height: 2, gray: Uint8Array.of(0, 100, 200, 255) }, enabled: true });
    expect(back.layers[1].pixels).toEqual(doc.layers[1].pixels);
    expect(flatten(back)).toEqual(flatten(doc));
  });

  test("a layer's plugin metadata travels in the file, on plain and masked layers alike", async () => {
    const data = JSON.stringify({ kind: "image", title: 'face <"1"> & more', latent: [0.5, -1.25] });
    let doc = D.updateLayer(twoLayerDoc(), "a", { metadata: data });
    doc = D.updateLayer(doc, "b", { metadata: "edit & <data>" });
    doc = D.setLayerMask(doc, "b", { width: 2, height: 2, gray: Uint8Array.of(0, 100, 200, 255) });
    const bytes = await writeOra(doc, pngjs);
    const xml = await (await JSZip.loadAsync(bytes)).file("stack.xml")!.async("string");
    expect(xml).toContain('xmlns:panda="');
    const back = await readOra(bytes, pngjs, () => String(Math.random()));
    expect(back.layers.map((l) => l.metadata)).toEqual([data, "edit & <data>"]);
    // a layer without metadata stays without
    const plain = await readOra(await writeOra(twoLayerDoc(), pngjs), pngjs, () => String(Math.random()));
    expect(plain.layers.map((l) => l.metadata)).toEqual([null, null]);
  });

  test("other apps' groups are flattened into layers; a file that is not ORA is refused", async () => {
    const zip = new JSZip();
    zip.file("mimetype", "image/openraster", { compression: "STORE" });
    zip.file("data/a.png", await pngjs.encode(solid(1, 1, [9, 9, 9, 255])));
    zip.file(
      "stack.xml",
      `<?xml version="1.0"?><!-- from elsewhere --><image w="2" h="2"><stack><stack name="G" opacity="0.5"><layer name="in group" src="data/a.png" opacity="0.5" x="1" y="0"/></stack><layer name="bottom" src="data/a.png"/></stack></image>`,
    );
    const doc = await readOra(await zip.generateAsync({ type: "uint8array" }), pngjs, () => String(Math.random()));
    expect(doc.layers.map((l) => [l.name, l.opacity, l.x])).toEqual([
      ["bottom", 1, 0],
      ["in group", 0.25, 1],
    ]);
    const notOra = new JSZip();
    notOra.file("mimetype", "application/zip");
    await expect(readOra(await notOra.generateAsync({ type: "uint8array" }), pngjs, () => "x")).rejects.toThrow(/not an OpenRaster file/);
  });
});

describe("PNG encoder", () => {
  test("pngjs reads back exactly the straight-alpha bytes", async () => {
    const image = { width: 3, height: 2, rgba: Uint8Array.from({ length: 24 }, (_, i) => (i * 37) % 256) };
    const decoded = await pngjs.decode(await encodePng(image));
    expect(decoded).toEqual(image);
  });
});
