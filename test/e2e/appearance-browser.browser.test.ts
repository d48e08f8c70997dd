/**
 * The appearance browser in the web editor (real server, Chromium): with a part picked, the
 * appearances come in the server's ranking for that part as previews that are the edited image's
 * real pixels (large on hover); a label and a favourite given to an appearance are still there after
 * the page is reloaded, the favourite shown first; a Shift-drag of the strength is ten times finer.
 */
import { screenshot } from "../helpers/browser";
import { openStudio, Studio } from "./helpers";

// A real browser on a 2-core CI machine: one retry absorbs a timing hiccup; a real failure fails twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

let studio: Studio;
beforeAll(async () => {
  studio = await openStudio();
});
afterAll(async () => {
  await studio?.close();
});

/** Generates seed 3 and shows the parts of the (only) saved set, then picks part 2. */
async function seedThreePart2(): Promise<void> {
  const { panel, page } = studio;
  await panel.fill("seed", "3");
  await panel.click("generate");
  await panel.waitFor((s) => s.busy === null && s.parts.length === 4);
  await page.locator('[data-part="2"] img').waitFor();
  await panel.pickPart(2);
  await panel.appearancesShown();
}

/** The pixels of an <img> in the page, as RGBA bytes. */
function imagePixels(selector: string): Promise<number[]> {
  return studio.page.evaluate(async (sel) => {
    const img = document.querySelector(sel) as HTMLImageElement;
    await img.decode();
    const canvas = document.createElement("canvas");
    [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
    const context = canvas.getContext("2d")!;
    context.drawImage(img, 0, 0);
    return Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data);
  }, selector);
}

test("with a part picked, the appearances are ranked for it, each a preview of the edited image", async () => {
  const { panel, page } = studio;
  await panel.generateAndDiscover(3, { parts: 4, samples: 64 });
  await page.locator('[data-part="2"] img').waitFor();
  await panel.pickPart(2);
  await panel.appearancesShown();
  const state = await panel.state();
  const shown = await page.locator("[data-appearance]").evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute("data-appearance"))));
  expect(shown).toHaveLength(12);

  // the server's ranking for part 2 (refined for the image, as the panel asks), fetched on its own
  const ranked = await page.evaluate(
    async ({ image, factorisation }) =>
      (await (await fetch(`/api/images/${image}/appearances`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ factorisation, parts: [2], limit: 16, refine: true }) })).json()) as {
        appearances: { appearance: number; score: number }[];
      },
    { image: state.image!.id, factorisation: state.factorisationId! },
  );
  expect(shown).toEqual(ranked.appearances.slice(0, 12).map((a) => a.appearance));
  const scores = ranked.appearances.map((a) => a.score);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));

  // the first preview is the image edited by that appearance at the preview strength: the very pixels of POST /edits (at the same refined parts)
  const best = shown[0];
  const previewPixels = await imagePixels(`[data-appearance="${best}"] img`);
  const edited = await page.evaluate(
    async ({ image, factorisation, appearance, strength }) => {
      const response = await fetch(`/api/images/${image}/edits`, {
        method: "POST",
        headers: { accept: "application/octet-stream", "content-type": "application/json" },
        body: JSON.stringify({ factorisation, edits: [{ parts: [2], appearance, strength }], refine: true }),
      });
      return Array.from(new Uint8Array(await response.arrayBuffer()));
    },
    { image: state.image!.id, factorisation: state.factorisationId!, appearance: best, strength: state.previewStrength },
  );
  expect(previewPixels).toEqual(edited);
  const original = await panel.layerPixels("tiny-test seed 3");
  expect(previewPixels).not.toEqual(original.rgba);

  // large: the best at first, the hovered one on hover
  await page.locator(`[data-large-preview="${shown[0]}"] img`).waitFor();
  await page.locator(`[data-appearance="${shown[1]}"]`).hover();
  await page.locator(`[data-large-preview="${shown[1]}"] img`).waitFor();
  const large = await page.locator(`[data-large-preview="${shown[1]}"] img`).boundingBox();
  expect(large!.width).toBeGreaterThan(150);
  await screenshot(page, "appearance-browser-1440x900");
});

test("labels and favourites stay after a reload, the favourite shown first", async () => {
  const { panel, page } = studio;
  const appearance = (await panel.state()).appearances[2].index;
  await panel.pickAppearance(appearance);
  await panel.fill("appearance-label", "glow");
  await page.locator('[data-field="appearance-label"] input').press("Enter");
  await panel.idle();
  // a retry finds it marked already: marking again would unmark it
  if ((await panel.state()).favourites.every((a) => a.index !== appearance)) await panel.click("favourite");
  await panel.idle();
  await page.locator(`[data-favourite="${appearance}"] img`).waitFor();
  await panel.fill("part-label", "right cheek");
  await page.locator('[data-field="part-label"] input').press("Enter");
  expect((await panel.idle()).error).toBeNull();

  page.once("dialog", (dialog) => dialog.accept()); // leave the page despite the unsaved document
  await page.reload();
  await panel.waitFor((s) => s.connection.status === "connected" && s.factorisationId !== null);
  await seedThreePart2();
  await page.locator(`[data-favourite="${appearance}"] img`).waitFor();
  expect((await page.locator(`[data-favourite="${appearance}"] span`).textContent())?.trim()).toBe(`★ ${appearance} · glow`);
  expect((await page.locator(`[data-appearance="${appearance}"] span`).textContent())?.trim()).toBe(`★ ${appearance} · glow`);
  expect((await page.locator('[data-part="2"] span').textContent())?.trim()).toBe("2 · right cheek");
  await page.locator(`[data-favourite="${appearance}"]`).hover();
  await page.locator(`[data-large-preview="${appearance}"]`).waitFor();
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.locator('[data-section="appearances"]').scrollIntoViewIfNeeded();
  await screenshot(page, "appearance-browser-1024x700");
  expect(studio.browser.errors).toEqual([]);
});

test("Shift-drag on the strength slider moves it ten times more finely than a plain drag", async () => {
  const { panel, page } = studio;
  await panel.pickAppearance((await panel.state()).appearances[0].index);
  await panel.dragStrength(0.5);
  await page.evaluate(() => window.pandaStudio!.panel!.model.previewIdle());
  const plain = (await panel.state()).strength;
  expect(plain).toBeGreaterThan(1.5);
  await panel.fill("strength-value", "0");
  await page.locator('[data-field="strength-value"] input').press("Enter");
  await panel.waitFor((s) => s.strength === 0);
  await panel.dragStrength(0.5, 20, { shift: true });
  await page.evaluate(() => window.pandaStudio!.panel!.model.previewIdle());
  const fine = (await panel.state()).strength;
  expect(fine).toBeGreaterThan(0);
  expect(Math.abs(fine - plain / 10)).toBeLessThan(0.05);
  expect(studio.browser.errors).toEqual([]);
});
