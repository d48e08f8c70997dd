/**
 * Placement in the web editor: with a 128×128 image open, the panel offers how a 16×16 face is
 * placed; "Fit document" makes a 128×128 layer, and a part's mask and selection line up with it
 * (each 8×8 block of the placed mask matches the server's 16×16 mask of that part).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeStoredPng } from "../../plugin/src/model/png-data-url";
import { screenshot } from "../helpers/browser";
import { tempDir } from "../helpers/server";
import { fetchPartMask, openStudio, Studio } from "./helpers";

// A real browser on a 2-core CI machine: one retry absorbs a timing hiccup; a real failure fails twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

let studio: Studio;
const files = tempDir("panda-e2e-placement-");
const IMAGE = "tiny-test seed 42";

beforeAll(async () => {
  studio = await openStudio();
});
afterAll(async () => {
  await studio.close();
  files.remove();
});

test("fit document: a 128×128 layer, and a part mask that lines up with it", async () => {
  const { panel, page } = studio;
  const photo = join(files.dir, "photo.png");
  const rgba = Uint8Array.from({ length: 128 * 128 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i >> 9) & 255));
  writeFileSync(photo, encodeStoredPng({ width: 128, height: 128, rgba }));
  await page.getByTestId("open-file").setInputFiles(photo);
  await page.waitForFunction(() => window.pandaStudio!.app.store.doc?.width === 128);

  // moving to the panel is enough for it to notice the document
  await page.locator(".panda-panel").hover();
  await panel.waitFor((s) => s.document?.width === 128);
  await page.locator('[data-field="placement"]').click();
  await page.locator('sp-menu-item[value="fit"]').click();
  await panel.waitFor((s) => s.placement.mode === "fit");
  expect((await page.locator('[data-hint="placement"]').textContent())?.replace(/\s+/g, " ").trim()).toBe(
    "The document is 128×128, the model's images 16×16: placed at 128×128, bicubic; masks and selections bilinear.",
  );
  await screenshot(page, "panel-placement-choice");

  await panel.fill("seed", "42");
  await panel.click("generate");
  expect((await panel.idle()).error).toBeNull();
  expect((await panel.layers()).find((l) => l.name === IMAGE)).toEqual({ name: IMAGE, width: 128, height: 128, hasMask: false });
  expect(await panel.messageText("notice")).toBe(`Added layer "${IMAGE}", placed at 128×128, bicubic.`);

  await panel.fill("parts", "4");
  await panel.fill("samples", "128");
  await panel.click("discover");
  const state = await panel.idle();
  expect(state.error).toBeNull();
  const part = state.parts.reduce((a, b) => (b.coverage > a.coverage ? b : a)).index;
  await panel.pickPart(part);
  await panel.click("mask");
  expect((await panel.idle()).error).toBeNull();
  const mask = (await panel.layerPixels(IMAGE)).mask!;
  expect(mask).toHaveLength(128 * 128);
  await panel.click("selection");
  await panel.idle();
  expect(await panel.selection()).toEqual(mask);

  // the panel masks with the parts refined for this image, so the source is the refined mask
  const source = await fetchPartMask(page, state.image!.id, state.factorisationId!, part, { kind: "binary", refine: true });
  expect(source).toHaveLength(16 * 16);
  // the middle of each 8×8 block lies within 1/16 of a source pixel's centre
  const blocks = Array.from({ length: 256 }, (_, i) => mask[(Math.floor(i / 16) * 8 + 4) * 128 + (i % 16) * 8 + 4] >= 128 ? 255 : 0);
  expect(blocks).toEqual(source);
  await screenshot(page, "panel-placement-fit");
});
