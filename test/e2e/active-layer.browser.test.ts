/**
 * The panel acts on the layer selected in the layers panel (web editor, real server, Chromium):
 * two generated images, the first selected → its parts, mask and edit; a layer PandA did not make
 * → a clear message; an exported .ora opened in a fresh page → the edit layer is edited further.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { screenshot } from "../helpers/browser";
import { tempDir } from "../helpers/server";
import { openStudio, Studio } from "./helpers";

// A real browser on a 2-core CI machine: one retry absorbs a timing hiccup; a real failure fails twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

let studio: Studio;
const files = tempDir("panda-e2e-active-");
const SEED_1 = "tiny-test seed 1";
const SEED_2 = "tiny-test seed 2";

beforeAll(async () => {
  studio = await openStudio();
});
afterAll(async () => {
  await studio.close();
  files.remove();
});

const selectLayer = (name: string) => studio.page.locator('[data-testid="layer-row"]', { hasText: name }).first().click();

test("two images: selecting the first makes its parts, its mask and its edit", async () => {
  const { panel, page } = studio;
  await panel.generateAndDiscover(1, { parts: 4, samples: 64 });
  await panel.fill("seed", "2");
  await panel.click("generate");
  expect((await panel.idle()).error).toBeNull();
  expect((await panel.state()).image?.seed).toBe(2);

  await selectLayer(SEED_1);
  const state = await panel.waitFor((s) => s.image?.seed === 1 && s.parts.length === 4);
  await page.locator('[data-part="1"] img').waitFor();
  await panel.pickPart(1);
  await panel.click("mask");
  expect((await panel.idle()).error).toBeNull();
  expect(await panel.messageText("notice")).toBe(`Masked layer "${SEED_1}" to part 1.`);
  const layers = await panel.layers();
  expect(layers.find((l) => l.name === SEED_1)?.hasMask).toBe(true);
  expect(layers.find((l) => l.name === SEED_2)?.hasMask).toBe(false);

  await panel.pickAppearance(0);
  await panel.dragStrength(0.5);
  await page.evaluate(() => window.pandaStudio!.panel!.model.previewIdle());
  await panel.click("apply");
  expect((await panel.idle()).error).toBeNull();
  const names = (await panel.layers()).map((l) => l.name);
  expect(names.some((n) => n.startsWith(`${SEED_1} · part 1 · appearance 0`))).toBe(true);
  expect(names).not.toContain("PandA preview");
  expect(state.image?.layer.name).toBe(SEED_1);
  await screenshot(page, "active-layer-two-images");
});

test("a layer PandA did not make: the panel says so instead of showing stale parts", async () => {
  const { panel, page } = studio;
  await page.getByTestId("menu-layer").click();
  await page.getByTestId("cmd-layer-new").click();
  await panel.waitFor((s) => s.image === null);
  expect((await page.locator('[data-hint="parts"]').textContent())?.trim()).toMatch(/^Not supported: PandA edits images this model generated, and PandA did not make the layer "Layer \d+"/);
  expect(await page.locator("[data-part]").count()).toBe(0);
  await screenshot(page, "active-layer-not-panda");
});

test("an exported .ora, opened in a fresh page, is edited further from its edit layer", async () => {
  const { panel, page } = studio;
  await page.getByTestId("menu-file").click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("cmd-export-ora").click()]);
  const saved = join(files.dir, "faces.ora");
  writeFileSync(saved, readFileSync((await download.path())!));

  await page.reload();
  await panel.waitFor((s) => s.connection.status === "connected" && s.modelId !== null);
  await page.getByTestId("open-file").setInputFiles(saved);
  await page.waitForFunction(() => (window.pandaStudio!.app.store.doc?.layers.length ?? 0) > 0);
  const edit = (await panel.layers()).map((l) => l.name).find((n) => n.startsWith(`${SEED_1} · part 1`))!;
  await selectLayer(edit);
  const state = await panel.waitFor((s) => s.image?.seed === 1 && s.parts.length === 4 && s.appearanceIndex === 0);
  expect(state.partIndex).toBe(1);
  expect(state.layerNote).toBeNull();

  await panel.pickPart(2);
  await panel.dragStrength(-0.5);
  await page.evaluate(() => window.pandaStudio!.panel!.model.previewIdle());
  await panel.click("apply");
  expect((await panel.idle()).error).toBeNull();
  expect((await panel.layers()).some((l) => l.name.startsWith(`${SEED_1} · part 2 · appearance 0 -`))).toBe(true);
  await screenshot(page, "active-layer-reopened");
});
