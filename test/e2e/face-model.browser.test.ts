/**
 * The edit journey on the face model this project trained (models/synthfaces), when its bundle
 * is there: generate a face, discover parts, apply an appearance to one part. Skipped without
 * the bundle (the other journeys use a fresh tiny bundle). Its screenshot is the README's.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MODELS_DIR } from "../../companion-server/src/cli/paths";
import { screenshot } from "../helpers/browser";
import { openStudio, Studio } from "./helpers";

// A real browser on a 2-core CI machine: one retry absorbs a timing hiccup; a real failure fails twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const FACES = join(DEFAULT_MODELS_DIR, "synthfaces");
const available = existsSync(join(FACES, "model.json"));
let studio: Studio;

beforeAll(async () => {
  if (!available) return;
  studio = await openStudio({ modelDirs: [DEFAULT_MODELS_DIR] });
});
afterAll(async () => {
  await studio?.close();
});

(available ? test : test.skip)("a face: parts, then an appearance applied to one part as a masked layer", async () => {
  const { panel, page } = studio;
  await page.evaluate(() => window.pandaStudio!.panel!.model.selectModel("synthfaces"));
  await panel.fill("seed", "3");
  await panel.click("generate");
  expect((await panel.idle()).error).toBeNull();
  await panel.fill("parts", "8");
  await panel.click("discover");
  const found = await panel.idle();
  expect(found.error).toBeNull();
  expect(found.parts).toHaveLength(8);

  // the smallest part (a feature of the face, not the background) and the widest-ranging
  // appearance after the first (which mostly carries overall brightness): a visible, local edit
  const part = found.parts.reduce((a, b) => (b.coverage < a.coverage ? b : a)).index;
  const scales = found.appearanceScales.slice(0, found.appearances.length);
  const appearance = scales.reduce((best, scale, i) => (i > 0 && scale > scales[best] ? i : best), 1);
  await panel.pickPart(part);
  await panel.pickAppearance(appearance);
  await panel.dragStrength(0.8);
  await page.evaluate(() => window.pandaStudio!.panel!.model.previewIdle());
  await panel.click("apply");
  const applied = await panel.idle();
  expect(applied.error).toBeNull();
  const name = (await panel.layers()).map((l) => l.name).find((n) => n.startsWith(`synthfaces seed 3 · part ${part} · appearance ${appearance}`));
  expect(name).toBeDefined();
  const edited = await panel.layerPixels(name!);
  const original = await panel.layerPixels("synthfaces seed 3");
  expect(edited.mask!.some((v) => v === 255)).toBe(true);
  expect(edited.rgba).not.toEqual(original.rgba);

  await page.evaluate(() => document.querySelector(".panda-panel .parts .thumbs")?.scrollIntoView());
  await screenshot(page, "panel-faces-edit");
});
