/**
 * The panel's journeys through the Photoshop host, against a recording fake of Photoshop: what
 * lands in the document, that each operation is one undo step, and that image data is disposed.
 */
import type { GrayImage, PixelImage } from "../../plugin/src/hosts/host";
import { PhotoshopHost } from "../../plugin/src/hosts/photoshop/photoshop-host";
import { FakePhotoshop } from "../mocks/photoshop";

function pixels(width: number, height: number, at: (x: number, y: number) => [number, number, number, number]): PixelImage {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgba.set(at(x, y), (y * width + x) * 4);
  return { width, height, rgba };
}

const solid = (width: number, height: number, value = 200): PixelImage => pixels(width, height, () => [value, value / 2, 10, 255]);

function mask(width: number, height: number, at: (x: number, y: number) => number): GrayImage {
  const gray = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) gray[y * width + x] = at(x, y);
  return { width, height, gray };
}

/** Left half selected, right half not. */
const leftHalf = (width: number, height: number): GrayImage => mask(width, height, (x) => (x < width / 2 ? 255 : 0));

let ps: FakePhotoshop;
let host: PhotoshopHost;

beforeEach(() => {
  ps = new FakePhotoshop();
  host = new PhotoshopHost(ps.api);
});

afterEach(() => {
  expect(ps.liveImageData.size).toBe(0);
});

describe("generate a face layer", () => {
  test("with no document open, a new document of the image's size holds the new layer", async () => {
    expect(await host.document()).toBeNull();
    const ref = await host.operation("Generate face", (task) => host.addLayer(task, { name: "Face 42", pixels: solid(64, 48) }));

    expect(ps.documents).toHaveLength(1);
    const doc = ps.documents[0];
    expect([doc.width, doc.height]).toEqual([64, 48]);
    expect(await host.document()).toEqual({ width: 64, height: 48, title: "Face 42" });
    const layer = doc.layers.find((l) => String(l.id) === ref.id)!;
    expect(layer.name).toBe("Face 42");
    expect(layer.pixels).toMatchObject({ left: 0, top: 0, width: 64, height: 48 });
    expect(layer.pixels!.data).toEqual(solid(64, 48).rgba);
    // Created inside the scope, registered to close on failure, kept on success.
    expect(ps.apis("registerAutoCloseDocument", "unregisterAutoCloseDocument")).toEqual(["registerAutoCloseDocument", "unregisterAutoCloseDocument"]);
    expect(doc.history).toEqual(["New Document", "Generate face"]);
    expect(ps.calls.find((c) => c.api === "createImageDataFromBuffer")!.args).toMatchObject({
      components: 4,
      colorSpace: "RGB",
      colorProfile: "sRGB IEC61966-2.1",
    });
  });

  test("into an open document, at the image's own size at the top-left corner unless asked otherwise", async () => {
    const doc = ps.openDocument("Portrait", 512, 512);
    await host.operation("Generate face", (task) => host.addLayer(task, { name: "Face", pixels: solid(64, 64) }));

    expect(ps.documents).toHaveLength(1);
    expect(doc.layers.map((l) => l.name)).toEqual(["Background", "Face"]);
    expect(doc.layers[1].pixels).toMatchObject({ left: 0, top: 0, width: 64, height: 64 });
    expect(ps.calls.find((c) => c.api === "putPixels")!.args).toMatchObject({ targetBounds: { left: 0, top: 0 }, replace: true });
    expect(doc.history).toEqual(["Generate face"]);
  });

  test("into an open document at the size the user chose, resampled with the stated method", async () => {
    const doc = ps.openDocument("Portrait", 512, 512);
    const checker = pixels(2, 2, (x, y) => ((x + y) % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    await host.operation("Generate face", (task) =>
      host.addLayer(task, { name: "Face", pixels: checker, placement: { width: 512, height: 512, resample: "nearest" } }),
    );

    const placed = doc.layers[1].pixels!;
    expect(placed).toMatchObject({ left: 0, top: 0, width: 512, height: 512 });
    const at = (x: number, y: number) => placed.data[(y * 512 + x) * 4];
    // Nearest neighbour: each source pixel becomes an exact 256×256 block.
    expect([at(0, 0), at(255, 255), at(256, 0), at(511, 0), at(0, 256), at(511, 511)]).toEqual([0, 0, 255, 255, 255, 0]);
    expect(doc.history).toEqual(["Generate face"]);
  });

  test("the placement size is also the new document's size", async () => {
    await host.operation("Generate face", (task) =>
      host.addLayer(task, { name: "Face", pixels: solid(32, 32), placement: { width: 128, height: 96, resample: "bicubic" } }),
    );
    expect([ps.documents[0].width, ps.documents[0].height]).toEqual([128, 96]);
    expect(ps.documents[0].layers[1].pixels).toMatchObject({ width: 128, height: 96 });
  });
});

describe("a part as a selection or a layer mask", () => {
  test("part → selection: 1-component Gray Gamma 2.2 data, resampled to the placement, replacing the selection", async () => {
    const doc = ps.openDocument("Portrait", 256, 256);
    await host.operation("Select part", (task) =>
      host.setSelection(task, leftHalf(32, 32), { width: 256, height: 256, resample: "bilinear" }),
    );

    expect(ps.calls.find((c) => c.api === "createImageDataFromBuffer")!.args).toMatchObject({
      width: 256,
      height: 256,
      components: 1,
      colorSpace: "Grayscale",
      colorProfile: "Gray Gamma 2.2",
    });
    expect(ps.calls.find((c) => c.api === "putSelection")!.args).toMatchObject({ replace: true, targetBounds: { left: 0, top: 0 } });
    const selection = doc.selection!;
    expect(selection).toMatchObject({ width: 256, height: 256 });
    expect([selection.data[10 * 256 + 5], selection.data[10 * 256 + 250]]).toEqual([255, 0]);
    expect(doc.history).toEqual(["Select part"]);
  });

  test("part → layer mask of an existing layer", async () => {
    ps.openDocument("Portrait", 64, 64);
    const ref = await host.operation("Generate face", (task) => host.addLayer(task, { name: "Face", pixels: solid(64, 64) }));
    await host.operation("Mask to part", (task) => host.setLayerMask(task, ref, leftHalf(64, 64)));

    const layer = ps.documents[0].layers.find((l) => String(l.id) === ref.id)!;
    expect(layer.mask).toMatchObject({ left: 0, top: 0, width: 64, height: 64 });
    expect(layer.mask!.data).toEqual(leftHalf(64, 64).gray);
    expect(ps.documents[0].history).toEqual(["Generate face", "Mask to part"]);
  });
});

describe("edits, saliency and removal become new masked layers", () => {
  test("edit → a new layer masked to the part, the mask fitted to the layer, in one undo step", async () => {
    const doc = ps.openDocument("Portrait", 128, 128);
    const ref = await host.operation("Bigger eyes", (task) =>
      host.addLayer(task, {
        name: "Bigger eyes",
        pixels: solid(64, 64, 120),
        mask: leftHalf(8, 8), // the part at feature-map resolution
        placement: { width: 128, height: 128, resample: "bilinear" },
      }),
    );

    const layer = doc.layers.find((l) => String(l.id) === ref.id)!;
    expect(layer.pixels).toMatchObject({ width: 128, height: 128 });
    expect(layer.mask).toMatchObject({ left: 0, top: 0, width: 128, height: 128 });
    expect([layer.mask!.data[64 * 128 + 2], layer.mask!.data[64 * 128 + 125]]).toEqual([255, 0]);
    expect(ps.apis("createPixelLayer", "putPixels", "putLayerMask")).toEqual(["createPixelLayer", "putPixels", "putLayerMask"]);
    expect(doc.history).toEqual(["Bigger eyes"]);
  });

  test("saliency → a mask on the user's layer", async () => {
    const doc = ps.openDocument("Portrait", 64, 64);
    const face = await host.operation("Generate face", (task) => host.addLayer(task, { name: "Face", pixels: solid(64, 64) }));
    const saliency = mask(16, 16, (x, y) => (x + y) * 8);
    await host.operation("Saliency: smile", (task) =>
      host.setLayerMask(task, face, saliency, { width: 64, height: 64, resample: "bicubic" }),
    );
    expect(doc.layers[1].mask).toMatchObject({ width: 64, height: 64 });
    expect(doc.history).toEqual(["Generate face", "Saliency: smile"]);
  });

  test("removal → a new layer, masked to the removed part", async () => {
    const doc = ps.openDocument("Portrait", 64, 64);
    await host.operation("Remove: glasses", (task) =>
      host.addLayer(task, { name: "Removed: glasses", pixels: solid(64, 64, 90), mask: leftHalf(64, 64) }),
    );
    expect(doc.layers.map((l) => l.name)).toEqual(["Background", "Removed: glasses"]);
    expect(doc.layers[1].mask).not.toBeNull();
    expect(doc.history).toEqual(["Remove: glasses"]);
  });
});

describe("live preview", () => {
  test("updates the preview layer in place: same layer, new pixels, no new layers", async () => {
    const doc = ps.openDocument("Portrait", 64, 64);
    const preview = await host.operation("Preview", (task) => host.addLayer(task, { name: "Preview", pixels: solid(64, 64, 10) }));
    for (const value of [50, 100, 150]) {
      await host.operation("Preview", (task) => host.updateLayer(task, preview, solid(64, 64, value)));
    }
    expect(doc.layers.map((l) => l.name)).toEqual(["Background", "Preview"]);
    expect(doc.layers[1].pixels!.data).toEqual(solid(64, 64, 150).rgba);
    expect(ps.calls.filter((c) => c.api === "putPixels").every((c) => c.args!.layerID === Number(preview.id))).toBe(true);
    expect(doc.history).toHaveLength(4);
  });

  test("the preview can be removed again", async () => {
    const doc = ps.openDocument("Portrait", 64, 64);
    const preview = await host.operation("Preview", (task) => host.addLayer(task, { name: "Preview", pixels: solid(64, 64) }));
    await host.operation("Discard preview", (task) => host.deleteLayer(task, preview));
    expect(doc.layers.map((l) => l.name)).toEqual(["Background"]);
  });
});

describe("reading a layer", () => {
  test("gives document-sized sRGB RGBA with the layer's pixels at their place", async () => {
    const doc = ps.openDocument("Portrait", 8, 6);
    const ref = await host.operation("Generate face", (task) => host.addLayer(task, { name: "Face", pixels: solid(4, 3, 80) }));
    const image = await host.operation("Read", (task) => host.readLayer(task, ref));

    expect([image.width, image.height]).toEqual([8, 6]);
    expect(Array.from(image.rgba.slice(0, 4))).toEqual([80, 40, 10, 255]);
    expect(Array.from(image.rgba.slice((2 * 8 + 3) * 4, (2 * 8 + 4) * 4))).toEqual([80, 40, 10, 255]);
    expect(Array.from(image.rgba.slice((2 * 8 + 4) * 4, (2 * 8 + 5) * 4))).toEqual([0, 0, 0, 0]);
    expect(ps.calls.find((c) => c.api === "getPixels")!.args).toMatchObject({ colorSpace: "RGB", componentSize: 8 });
    expect(doc.history).toEqual(["Generate face"]);
  });

  test("without a ref, reads the active layer", async () => {
    ps.openDocument("Portrait", 4, 4);
    await host.operation("Generate face", (task) => host.addLayer(task, { name: "Face", pixels: solid(4, 4, 30) }));
    const image = await host.operation("Read", (task) => host.readLayer(task));
    expect(image.rgba[0]).toBe(30);
  });
});

describe("progress", () => {
  test("goes to Photoshop's progress bar, clamped to 0…1, with the operation's title by default", async () => {
    await host.operation("Fit parts", async (task) => {
      task.reportProgress(0.25, "Sampling");
      task.reportProgress(1.5);
      expect(task.isCancelled()).toBe(false);
    });
    expect(ps.lastContext!.progress).toEqual([
      { value: 0.25, commandName: "Sampling" },
      { value: 1, commandName: "Fit parts" },
    ]);
    expect(ps.calls.find((c) => c.api === "executeAsModal")!.args).toEqual({ commandName: "Fit parts" });
  });
});
