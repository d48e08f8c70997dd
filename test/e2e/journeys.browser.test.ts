/**
 * The journeys of DESIGN §1 through the PandA panel in the web editor, against the real server
 * (a fresh tiny bundle): generate → parts → selection and mask; appearance edit with live
 * preview → a masked layer; saliency; removal; discover with cancel; export .ora and reopen.
 * Each journey saves a screenshot into test/screenshots/.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { screenshot } from "../helpers/browser";
import { tempDir } from "../helpers/server";
import { meanChange, openStudio, Studio } from "./helpers";

// A real browser on a 2-core CI machine: one retry absorbs a timing hiccup; a real failure fails twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

let studio: Studio;
const files = tempDir("panda-e2e-files-");
const IMAGE = "tiny-test seed 42";
/** the binary mask of the part picked in journey 2 */
let partMask: number[] = [];

beforeAll(async () => {
  studio = await openStudio();
});
afterAll(async () => {
  await studio.close();
  files.remove();
});

test("1 · generate: a new layer named after model and seed", async () => {
  const { panel } = studio;
  await panel.fill("seed", "42");
  await panel.click("generate");
  const state = await panel.idle();
  expect(state.error).toBeNull();
  expect(await panel.layers()).toEqual([{ name: IMAGE, width: 16, height: 16, hasMask: false }]);
  expect(await panel.messageText("notice")).toBe(`Added layer "${IMAGE}".`);
  await screenshot(studio.page, "panel-1-generate");
});

test("2 · discover parts: progress, thumbnails; a part becomes the selection and the layer mask", async () => {
  const { panel, page } = studio;
  await panel.fill("parts", "4");
  await panel.fill("samples", "128");
  await panel.click("discover");
  const state = await panel.idle();
  expect(state.error).toBeNull();
  expect(state.factorisationId).toMatch(/^tiny-test_4x4_p4/);
  await page.locator('[data-part="3"] img').waitFor();
  expect(await page.locator("[data-part]").count()).toBe(4);

  const part = state.parts.reduce((a, b) => (b.coverage > a.coverage ? b : a)).index;
  await panel.pickPart(part);
  await panel.click("selection");
  await panel.idle();
  const selection = await panel.selection();
  expect(selection).toHaveLength(16 * 16);
  const selected = selection!.filter((v) => v === 255).length;
  expect(selected).toBeGreaterThan(0);
  expect(selected).toBeLessThan(256);

  await panel.click("mask");
  await panel.idle();
  expect((await panel.layerPixels(IMAGE)).mask).toEqual(selection);
  await screenshot(page, "panel-2-parts");

  // the mask was one undo step; undo it so the edits below are seen over the whole image
  await page.getByTestId("menu-edit").click();
  await page.getByTestId("cmd-undo").click();
  await page.waitForFunction((name) => window.pandaStudio!.app.store.doc!.layers.find((l) => l.name === name)?.mask === null, IMAGE);
  partMask = selection!;
});

test("3 · edit: dragging previews in place; apply adds a layer masked to the part, changed mainly inside it", async () => {
  const { panel, page } = studio;
  await panel.pickAppearance(1);
  await panel.dragStrength(0.6);
  await page.evaluate(() => window.pandaStudio!.panel!.model.previewIdle());
  const dragged = await panel.state();
  expect(dragged.strength).toBeGreaterThan(0);
  expect((await panel.layers()).filter((l) => l.name === "PandA preview")).toHaveLength(1);
  await screenshot(page, "panel-3-preview");

  await panel.click("apply");
  const state = await panel.idle();
  expect(state.error).toBeNull();
  const names = (await panel.layers()).map((l) => l.name);
  expect(names).not.toContain("PandA preview");
  const editedName = names.find((n) => n.includes(`appearance 1 +${dragged.strength}`));
  expect(editedName).toBeDefined();

  const original = await panel.layerPixels(IMAGE);
  const edited = await panel.layerPixels(editedName!);
  expect(edited.mask).toEqual(partMask);
  const change = meanChange(original.rgba, edited.rgba, partMask);
  expect(change.inside).toBeGreaterThan(0);
  expect(change.inside).toBeGreaterThan(change.outside);
  await screenshot(page, "panel-3-applied");
});

test("4a · saliency: a heat-map overlay layer, its mask clear where the appearance is absent and partly opaque where present", async () => {
  const { panel, page } = studio;
  await panel.click("saliency");
  expect((await panel.idle()).error).toBeNull();
  const layer = (await panel.layers()).find((l) => l.name.endsWith("heat map of appearance 1"));
  expect(layer).toMatchObject({ width: 16, height: 16, hasMask: true });
  const opacity = (await panel.layerPixels(layer!.name)).mask!;
  expect(opacity.some((v) => v === 0)).toBe(true);
  expect(Math.max(...opacity)).toBe(Math.round(255 * 0.85));
  await screenshot(page, "panel-4-saliency");
});

test("4b · removal: a new layer without the part", async () => {
  const { panel, page } = studio;
  await panel.click("remove");
  expect((await panel.idle()).error).toBeNull();
  const name = (await panel.layers()).map((l) => l.name).find((n) => n.includes("without part"));
  expect(name).toBeDefined();
  const removed = await panel.layerPixels(name!);
  const original = await panel.layerPixels(IMAGE);
  expect(removed.rgba).not.toEqual(original.rgba);
  await screenshot(page, "panel-4-removal");
});

test("discovering can be cancelled from the progress bar", async () => {
  const { panel, page } = studio;
  await panel.fill("samples", "4096");
  await page.locator('[data-field="solver"]').click();
  await page.locator('sp-menu-item[value="reference"]').click();
  await panel.waitFor((s) => s.discover.solver === "reference");
  await panel.click("discover");
  await page.locator("[role=progressbar]").waitFor();
  await screenshot(page, "panel-5-progress");
  await panel.click("cancel");
  const state = await panel.idle();
  expect(state.error).toBeNull();
  expect(await panel.messageText("notice")).toBe("Discovering parts was cancelled.");
});

test("export .ora and reopen it: the panel's layers and masks survive", async () => {
  const { panel, page } = studio;
  const before = await panel.layers();
  await page.getByTestId("menu-file").click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("cmd-export-ora").click()]);
  const saved = join(files.dir, "journey.ora");
  mkdirSync(files.dir, { recursive: true });
  writeFileSync(saved, readFileSync((await download.path())!));

  await page.getByTestId("menu-file").click();
  await page.getByTestId("cmd-new").click();
  await page.getByTestId("new-ok").click();
  await page.waitForFunction(() => window.pandaStudio!.app.store.doc?.layers.length === 0);
  await page.getByTestId("open-file").setInputFiles(saved);
  await page.waitForFunction((count) => window.pandaStudio!.app.store.doc?.layers.length === count, before.length);
  expect(await panel.layers()).toEqual(before);
});
