/**
 * The web editor in Chromium, served by the real companion server: opening images, layer
 * operations with undo/redo, masks, the selection overlay, zoom, PNG and OpenRaster export, and
 * reopening the .ora. State is read through window.pandaStudio; the UI is driven like a user would.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import JSZip from "jszip";
import { PNG } from "pngjs";
import { Page } from "playwright-core";
import type { EditorDocument } from "../../plugin/src/editor/document";
import { ensureWebBuild, launchBrowser, screenshot, TestBrowser } from "../helpers/browser";
import { startTestServer, tempDir } from "../helpers/server";

// A real browser on a 2-core CI machine: one retry absorbs a timing hiccup; a real failure fails twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

interface LayerView {
  name: string;
  visible: boolean;
  opacity: number;
  x: number;
  y: number;
  size: string;
  mask: { enabled: boolean; size: string } | null;
}

/** What the page exposes (plugin/src/entries/web.ts), as far as these tests read it. */
interface StudioWindow {
  pandaStudio: { app: { store: { doc: EditorDocument | null } } };
}

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;
let page: Page;
const files = tempDir("panda-editor-files-");

function writePng(name: string, width: number, height: number, colour: (x: number, y: number) => number[]): string {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) png.data.set(colour(x, y), (y * width + x) * 4);
  const path = join(files.dir, name);
  writeFileSync(path, PNG.sync.write(png));
  return path;
}

const gradient = (x: number, y: number) => [x * 4, y * 5, 128, 255];
/** The red layer at 50% opacity over the gradient. */
const halfRed = (x: number, y: number) => [Math.round((255 + x * 4) / 2), Math.round((y * 5) / 2), 64, 255];
const basePng = writePng("portrait.png", 64, 48, gradient);
const redPng = writePng("red square.png", 16, 16, () => [255, 0, 0, 255]);

/** The document as the test sees it (top layer last). */
async function layers(): Promise<LayerView[]> {
  return page.evaluate(() => {
    const doc = (window as unknown as StudioWindow).pandaStudio.app.store.doc;
    return (doc?.layers ?? []).map((l) => ({
      name: l.name,
      visible: l.visible,
      opacity: l.opacity,
      x: l.x,
      y: l.y,
      size: `${l.pixels.width}x${l.pixels.height}`,
      mask: l.mask && { enabled: l.mask.enabled, size: `${l.mask.image.width}x${l.mask.image.height}` },
    }));
  });
}

const layerNames = async () => (await layers()).map((l) => l.name);

/** Retries an assertion until it holds (the page updates on the next frame) or 5 s pass. */
async function eventually(assertion: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function command(menu: string, id: string): Promise<void> {
  await page.getByTestId(`menu-${menu}`).click();
  await page.getByTestId(`cmd-${id}`).click();
}

/** The canvas view renders on the next animation frame after a change. */
const rendered = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

async function selectionShown(): Promise<string | null> {
  await rendered();
  return page.getByTestId("viewport").getAttribute("data-selection");
}

async function canvasPixel(x: number, y: number): Promise<number[]> {
  // The image canvas holds the flattened document at 1:1.
  await rendered();
  return page.getByTestId("canvas").evaluate((canvas: HTMLCanvasElement, [px, py]) => Array.from(canvas.getContext("2d")!.getImageData(px, py, 1, 1).data), [x, y]);
}

async function download(trigger: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent("download"), trigger()]);
  return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
}

/** Runs a Host operation in the page (as the panel would) and returns its result. */
async function hostOperation(script: string): Promise<unknown> {
  return page.evaluate(`(async () => { const { host } = window.pandaStudio; ${script} })()`);
}

beforeAll(async () => {
  server = await startTestServer({ webRoot: ensureWebBuild() });
  browser = await launchBrowser();
  page = browser.page;
  await page.goto(server.url);
  await page.getByTestId("viewport").waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  files.remove();
});

test("the page is the editor with the PandA panel in its dock", async () => {
  await expect(page.title()).resolves.toBe("PandA Studio");
  await expect(page.getByTestId("status-size").textContent()).resolves.toBe("No document");
  // mounted by the panel's mountPanel (its own style and root elements)
  await page.getByTestId("panda-dock").locator(":scope > div").first().waitFor();
  expect(await page.getByTestId("panda-dock").innerText()).not.toBe("");
});

test("opening an image makes a document of its size with one layer", async () => {
  await page.getByTestId("open-file").setInputFiles(basePng);
  await page.getByTestId("layer-row").first().waitFor();
  expect(await layers()).toEqual([{ name: "portrait", visible: true, opacity: 1, x: 0, y: 0, size: "64x48", mask: null }]);
  await expect(page.getByTestId("status-size").textContent()).resolves.toContain("64×48");
  expect(await canvasPixel(10, 7)).toEqual([40, 35, 128, 255]);
  expect(await page.title()).toBe("portrait — PandA Studio");
});

test("an image opened as a layer is centred; rename, hide, opacity, order and delete undo and redo", async () => {
  await page.getByTestId("open-layers").setInputFiles(redPng);
  await eventually(async () => expect(await layerNames()).toEqual(["portrait", "red square"]));
  expect((await layers())[1]).toMatchObject({ x: 24, y: 16, size: "16x16" });
  expect(await canvasPixel(30, 20)).toEqual([255, 0, 0, 255]);

  // rename by double-click
  await page.getByTestId("layer-row").first().getByTestId("layer-name").dblclick();
  await page.getByTestId("layer-rename").fill("Red");
  await page.getByTestId("layer-rename").press("Enter");
  await eventually(async () => expect(await layerNames()).toEqual(["portrait", "Red"]));

  // hide, then undo and redo with the keyboard
  await page.getByTestId("layer-row").first().getByTestId("layer-visibility").click();
  expect((await layers())[1].visible).toBe(false);
  expect(await canvasPixel(30, 20)).toEqual([...gradient(30, 20).slice(0, 3), 255]);
  await page.keyboard.press("Control+z");
  expect((await layers())[1].visible).toBe(true);
  await page.keyboard.press("Control+Shift+z");
  expect((await layers())[1].visible).toBe(false);
  await page.keyboard.press("Control+z");

  // opacity: a drag of the slider is one undo step
  await page.getByTestId("layer-opacity").fill("50");
  expect((await layers())[1].opacity).toBe(0.5);
  expect(await canvasPixel(30, 20)).toEqual(halfRed(30, 20));
  await command("edit", "undo");
  expect((await layers())[1].opacity).toBe(1);
  await command("edit", "redo");
  expect((await layers())[1].opacity).toBe(0.5);

  // order: lower the active (top) layer, then undo
  await page.getByTestId("layer-lower").click();
  await eventually(async () => expect(await layerNames()).toEqual(["Red", "portrait"]));
  expect(await canvasPixel(30, 20)).toEqual([...gradient(30, 20).slice(0, 3), 255]);
  await page.keyboard.press("Control+z");
  await eventually(async () => expect(await layerNames()).toEqual(["portrait", "Red"]));

  // delete and bring back
  await page.getByTestId("layer-delete").click();
  await eventually(async () => expect(await layerNames()).toEqual(["portrait"]));
  await page.keyboard.press("Control+z");
  await eventually(async () => expect(await layerNames()).toEqual(["portrait", "Red"]));
  expect(await page.locator("[data-testid=layer-row].active [data-testid=layer-name]").textContent()).toBe("Red");
});

test("layer masks from the host: thumbnail, disable, enable, delete, all undoable", async () => {
  // a mask hiding the left half of the red layer
  await hostOperation(`
    const doc = window.pandaStudio.app.store.doc;
    const red = doc.layers[1];
    await host.operation("Mask", async (task) => {
      const gray = new Uint8Array(16 * 16);
      for (let y = 0; y < 16; y++) for (let x = 8; x < 16; x++) gray[y * 16 + x] = 255;
      await host.setLayerMask(task, { id: red.id, name: red.name }, { width: 16, height: 16, gray });
    });`);
  expect((await layers())[1].mask).toEqual({ enabled: true, size: "16x16" });
  await expect(page.getByTestId("mask-thumb").getAttribute("data-enabled")).resolves.toBe("true");
  expect(await canvasPixel(26, 20)).toEqual([...gradient(26, 20).slice(0, 3), 255]); // masked out
  expect(await canvasPixel(36, 20)).toEqual(halfRed(36, 20)); // kept (at 50% opacity)

  await page.getByTestId("mask-thumb").click();
  await expect(page.getByTestId("mask-thumb").getAttribute("data-enabled")).resolves.toBe("false");
  expect(await canvasPixel(26, 20)).toEqual(halfRed(26, 20));
  await page.keyboard.press("Control+z");
  await expect(page.getByTestId("mask-thumb").getAttribute("data-enabled")).resolves.toBe("true");

  await page.getByTestId("mask-delete").click();
  expect((await layers())[1].mask).toBeNull();
  await expect(page.getByTestId("mask-thumb").count()).resolves.toBe(0);
  await page.keyboard.press("Control+z");
  expect((await layers())[1].mask).toEqual({ enabled: true, size: "16x16" });
});

test("the selection is shown as a tinted overlay with marching ants; none and invert", async () => {
  await hostOperation(`
    await host.operation("Select", async (task) => {
      const gray = new Uint8Array(64 * 48);
      for (let y = 8; y < 40; y++) for (let x = 8; x < 32; x++) gray[y * 64 + x] = 255;
      await host.setSelection(task, { width: 64, height: 48, gray });
    });`);
  expect(await selectionShown()).toBe("yes");
  const overlay = async (x: number, y: number) => (await rendered(), page.locator(".canvas-overlay").evaluate((c: HTMLCanvasElement, [px, py]) => Array.from(c.getContext("2d")!.getImageData(px, py, 1, 1).data), [x, y]));
  expect((await overlay(50, 30))[3]).toBeGreaterThan(100); // unselected: tinted
  expect((await overlay(20, 20))[3]).toBe(0); // inside: clear
  // the outline: drawn at screen resolution over the viewport
  const outlinePixels = () => page.locator(".canvas-ants").evaluate((c: HTMLCanvasElement) => c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 3 && _ > 0).length);
  expect(await outlinePixels()).toBeGreaterThan(100);
  await screenshot(page, "editor-layers-mask-selection");

  // a mask from the selection, through the layers panel
  await page.locator("[data-testid=layer-row]").nth(1).click(); // the bottom layer: portrait
  await page.getByTestId("mask-add").click();
  expect((await layers())[0].mask).toEqual({ enabled: true, size: "64x48" });
  expect(await canvasPixel(2, 2)).toEqual([0, 0, 0, 0]);
  await page.keyboard.press("Control+z");

  await page.keyboard.press("Control+i");
  expect((await overlay(20, 20))[3]).toBeGreaterThan(100);
  await command("select", "select-none");
  expect(await selectionShown()).toBe("none");
  await page.keyboard.press("Control+z");
  expect(await selectionShown()).toBe("yes");
  await page.keyboard.press("Control+Shift+a");
  expect(await selectionShown()).toBe("none");
  expect(await outlinePixels()).toBe(0);
});

test("zoom: buttons, ctrl+wheel, 100% and fit", async () => {
  const zoom = () => page.getByTestId("status-zoom").textContent();
  await page.getByTestId("view-zoom-100").click();
  expect(await zoom()).toBe("100%");
  await page.getByTestId("view-zoom-in").click();
  expect(await zoom()).toBe("150%");
  await page.getByTestId("view-zoom-out").click();
  await page.getByTestId("view-zoom-out").click();
  expect(await zoom()).toBe("67%");
  const box = (await page.getByTestId("viewport").boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.keyboard.down("Control");
  await page.mouse.wheel(0, -200);
  await page.keyboard.up("Control");
  await eventually(async () => expect(parseFloat((await zoom())!)).toBeGreaterThan(67));
  await page.keyboard.press("Control+0");
  // 64×48 fitted into the viewport: far above 100%
  expect(parseFloat((await zoom())!)).toBeGreaterThan(1000);
  const stage = (await page.locator(".canvas-stage").boundingBox())!;
  expect(Math.abs(stage.x + stage.width / 2 - (box.x + box.width / 2))).toBeLessThan(2);
});

test("pan with space+drag and with the middle button", async () => {
  const stage = async () => (await page.locator(".canvas-stage").boundingBox())!;
  const box = (await page.getByTestId("viewport").boundingBox())!;
  const start = await stage();
  await page.mouse.move(box.x + 200, box.y + 200);
  await page.keyboard.down("Space");
  await page.mouse.down();
  await page.mouse.move(box.x + 260, box.y + 230, { steps: 3 });
  await page.mouse.up();
  await page.keyboard.up("Space");
  expect((await stage()).x - start.x).toBeCloseTo(60, 0);
  expect((await stage()).y - start.y).toBeCloseTo(30, 0);
  await page.mouse.down({ button: "middle" });
  await page.mouse.move(box.x + 160, box.y + 200, { steps: 3 });
  await page.mouse.up({ button: "middle" });
  expect((await stage()).x - start.x).toBeCloseTo(-40, 0);
  await page.keyboard.press("Control+0");
});

test("an image dropped on the canvas becomes a layer above the active one", async () => {
  const bytes = readFileSync(redPng).toString("base64");
  const dataTransfer = await page.evaluateHandle((b64) => {
    const transfer = new DataTransfer();
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    transfer.items.add(new File([data], "dropped.png", { type: "image/png" }));
    return transfer;
  }, bytes);
  await page.getByTestId("viewport").dispatchEvent("dragover", { dataTransfer });
  await page.getByTestId("viewport").dispatchEvent("drop", { dataTransfer });
  // the active layer is "portrait" since the selection test
  await eventually(async () => expect(await layerNames()).toEqual(["portrait", "dropped", "Red"]));
  await page.keyboard.press("Control+z");
  expect(await layerNames()).toEqual(["portrait", "Red"]);
});

test("export PNG: the flattened document with masks and opacity applied", async () => {
  const file = await download(() => command("file", "export-png"));
  expect(file.name).toBe("portrait.png");
  const png = PNG.sync.read(file.bytes);
  expect([png.width, png.height]).toEqual([64, 48]);
  const at = (x: number, y: number) => Array.from(png.data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 4));
  expect(at(10, 7)).toEqual([40, 35, 128, 255]);
  expect(at(26, 20)).toEqual([...gradient(26, 20).slice(0, 3), 255]); // masked out
  expect(at(36, 20)).toEqual(halfRed(36, 20)); // red at 50%
});

test("export OpenRaster and open it again: layers, names, opacity, masks survive", async () => {
  // a disabled mask travels too
  await page.getByTestId("mask-thumb").click();
  const file = await download(() => command("file", "export-ora"));
  expect(file.name).toBe("portrait.ora");
  expect(file.bytes.subarray(30, 54).toString()).toBe("mimetypeimage/openraster");
  const zip = await JSZip.loadAsync(file.bytes);
  expect(Object.keys(zip.files).filter((f) => !f.endsWith("/")).sort()).toEqual(["Thumbnails/thumbnail.png", "data/layer0.png", "data/layer1-mask.png", "data/layer1.png", "mergedimage.png", "mimetype", "stack.xml"]);
  const xml = await zip.file("stack.xml")!.async("string");
  expect(xml).toContain('<image version="0.0.5" w="64" h="48"');
  expect(xml).toContain('composite-op="svg:dst-in"');
  const merged = PNG.sync.read(Buffer.from(await zip.file("mergedimage.png")!.async("uint8array")));
  expect([merged.width, merged.height]).toEqual([64, 48]);

  const before = await layers();
  await page.keyboard.press("Control+Alt+n");
  await page.getByTestId("new-ok").click();
  await eventually(async () => expect(await layers()).toEqual([]));
  const saved = join(files.dir, "saved.ora");
  writeFileSync(saved, file.bytes);
  await page.getByTestId("open-file").setInputFiles(saved);
  await eventually(async () => expect(await layerNames()).toEqual(["portrait", "Red"]));
  expect(await layers()).toEqual(before);
  expect(await canvasPixel(26, 20)).toEqual(halfRed(26, 20)); // mask still disabled
  await page.getByTestId("mask-thumb").click();
  expect(await canvasPixel(26, 20)).toEqual([...gradient(26, 20).slice(0, 3), 255]);
  expect(await page.title()).toBe("saved — PandA Studio");
});

test("host: placement is stated, previews update in place as one undo step, failures roll back", async () => {
  const result = await hostOperation(`
    const pixels = { width: 8, height: 6, rgba: new Uint8Array(8 * 6 * 4).fill(255) };
    const ref = await host.operation("Preview", (task) => host.addLayer(task, { name: "Face", pixels, placement: { width: 64, height: 48, resample: "nearest" } }));
    for (const v of [10, 20, 30]) {
      await host.operation("Preview", (task) => host.updateLayer(task, ref, { width: 64, height: 48, rgba: new Uint8Array(64 * 48 * 4).fill(v) }));
    }
    const read = await host.operation("Read", (task) => host.readLayer(task, ref));
    let error = null;
    try {
      await host.operation("Broken", async (task) => { await host.deleteLayer(task, ref); throw new Error("server went away"); });
    } catch (e) { error = e.message; }
    let outside = null;
    try { await host.readLayer({ reportProgress() {}, isCancelled: () => false }); } catch (e) { outside = e.message; }
    return { ref, size: [read.width, read.height], first: Array.from(read.rgba.slice(0, 4)), error, outside, info: await host.document() };`);
  expect(result).toMatchObject({
    ref: { name: "Face" },
    size: [64, 48],
    first: [30, 30, 30, 30],
    error: "server went away",
    outside: expect.stringMatching(/inside host.operation/),
    info: { width: 64, height: 48, title: "saved" },
  });
  expect((await layerNames()).at(-1)).toBe("Face");
  await expect(page.getByTestId("status-message").textContent()).resolves.toBe('Scaled layer "Face" from 8×6 to 64×48 (nearest)');
  await command("edit", "undo"); // the add and its three updates are one step
  expect(await layerNames()).toEqual(["portrait", "Red"]);
});

test("host: progress shows in the status bar and its Cancel reaches the task", async () => {
  const running = hostOperation(`
    return host.operation("Discover parts", async (task) => {
      task.reportProgress(0.25, "sampling");
      while (!task.isCancelled()) await new Promise((r) => setTimeout(r, 20));
      return "cancelled";
    });`);
  await page.getByTestId("progress").waitFor({ state: "visible" });
  await expect(page.getByTestId("progress").textContent()).resolves.toContain("Discover parts: sampling");
  await expect(page.locator("[data-testid=progress] progress").evaluate((p: HTMLProgressElement) => p.value)).resolves.toBe(0.25);
  await screenshot(page, "editor-progress");
  await page.getByTestId("progress").getByRole("button", { name: "Cancel" }).click();
  await expect(running).resolves.toBe("cancelled");
  await page.getByTestId("progress").waitFor({ state: "hidden" });
});

test("Layer menu: new, duplicate, mask to selection, apply mask", async () => {
  const before = await layerNames();
  await command("layer", "layer-new");
  await eventually(async () => expect(await layerNames()).toHaveLength(before.length + 1));
  await page.keyboard.press("Control+z");
  await page.locator("[data-testid=layer-row]").first().click(); // the top layer: Red, masked
  await command("layer", "layer-duplicate");
  await eventually(async () => expect(await layerNames()).toEqual([...before, "Red copy"]));
  await command("layer", "mask-to-selection");
  expect(await selectionShown()).toBe("yes");
  await command("layer", "mask-apply");
  expect((await layers()).at(-1)!.mask).toBeNull();
  for (let i = 0; i < 3; i++) await page.keyboard.press("Control+z");
  expect(await layerNames()).toEqual(before);
});

test("no errors in the page", () => {
  expect(browser.errors).toEqual([]);
});
