/**
 * The edit journey on the face model this project trained (models/synthfaces), when its bundle
 * is there: generate a face, take its shipped parts, apply an appearance to one part. Skipped without
 * the bundle (the other journeys use a fresh tiny bundle). The part's mask is edge-aware: its edge
 * lies on the picture's edges. Its screenshot is the README's.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MODELS_DIR } from "../../companion-server/src/cli/paths";
import { screenshot } from "../helpers/browser";
import { fetchPartMask, openStudio, Studio } from "./helpers";

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
  // the shipped parts of the default layer come up by themselves (discovery is the tiny journeys' test)
  const found = await panel.waitFor((s) => s.parts.length === 8 && s.appearanceScales.length > 0 && !s.busy, 120_000);
  expect(found.error).toBeNull();

  // the smallest part (a feature of the face, not the background) and the widest-ranging
  // appearance after the first (which mostly carries overall brightness): a visible, local edit
  const part = found.parts.reduce((a, b) => (b.coverage < a.coverage ? b : a)).index;
  const scales = found.appearanceScales.slice(0, found.appearances.length);
  const appearance = scales.reduce((best, scale, i) => (i > 0 && scale > scales[best] ? i : best), 1);
  await panel.pickPart(part);
  await panel.pickAppearance(appearance);
  // while dragging, the preview shows the model's draft tail; where the drag ends, the full frame
  await page.evaluate(() => {
    const frames: boolean[] = [];
    document.addEventListener("panda-preview-shown", (e) => frames.push((e as CustomEvent<{ draft: boolean }>).detail.draft));
    (window as unknown as { previewDrafts: boolean[] }).previewDrafts = frames;
  });
  await panel.dragStrength(0.8);
  await page.evaluate(() => window.pandaStudio!.panel!.model.previewIdle());
  const drafts = await page.evaluate(() => (window as unknown as { previewDrafts: boolean[] }).previewDrafts);
  // a drag (the slider's pointer down) asks for drafts only; one full frame follows its release
  expect(drafts.filter((d) => d).length).toBeGreaterThan(0);
  expect(drafts.filter((d) => !d)).toHaveLength(1);
  expect(drafts.at(-1)).toBe(false);
  const preview = await panel.layerPixels("PandA preview");
  await panel.click("apply");
  const applied = await panel.idle();
  expect(applied.error).toBeNull();
  const name = (await panel.layers()).map((l) => l.name).find((n) => n.startsWith(`synthfaces seed 3 · part ${part} · appearance ${appearance}`));
  expect(name).toBeDefined();
  const edited = await panel.layerPixels(name!);
  // the preview it rested on is exactly the applied edit (POST /edits at full quality)
  expect(Buffer.from(preview.rgba).equals(Buffer.from(edited.rgba))).toBe(true);
  const original = await panel.layerPixels("synthfaces seed 3");
  expect(edited.mask!.some((v) => v === 255)).toBe(true);
  expect(edited.rgba).not.toEqual(original.rgba);

  // The layer's mask follows the picture: at the image's resolution, and its edge sits where the
  // image has edges — the colour changes more across it than across the bilinear mask's edge.
  const side = Math.sqrt(edited.mask!.length);
  expect(side).toBe(256);
  const state = await panel.state();
  const bilinear = await fetchPartMask(page, state.image!.id, state.factorisationId!, part, { upsampling: "bilinear" });
  expect(edgeContrast(original.rgba, edited.mask!, side)).toBeGreaterThan(1.5 * edgeContrast(original.rgba, bilinear, side));
  // The panel's masks are the parts refined for this face: the layer's mask is the
  // server's refined mask, which moved off the global part's edges onto this picture's.
  const refined = await fetchPartMask(page, state.image!.id, state.factorisationId!, part, { refine: true });
  const global = await fetchPartMask(page, state.image!.id, state.factorisationId!, part);
  expect(edited.mask).toEqual(refined);
  // (seed 3, part 5: 2913 pixels moved; colour change across the edge 20.7 refined, 7.8 global edge-aware, 0.5 bilinear)
  expect(refined.filter((v, i) => v !== global[i]).length).toBeGreaterThan(500);
  expect(edgeContrast(original.rgba, refined, side)).toBeGreaterThan(1.5 * edgeContrast(original.rgba, global, side));

  await page.evaluate(() => document.querySelector(".panda-panel .parts .thumbs")?.scrollIntoView());
  await screenshot(page, "panel-faces-edit");
}, 300_000); // discovery, previews and edits at 256 px on a shared 2-core machine

(available ? test : test.skip)("the saliency layer is a heat-map overlay: clear where the appearance is absent, hottest where it is strongest, the face visible under it", async () => {
  const { panel, page } = studio;
  const state = await panel.state();
  const appearance = state.appearanceIndex!;
  await panel.click("saliency"); // colour by default
  expect((await panel.idle()).error).toBeNull();
  // Measured in the page (256×256 layers are slow to ship out one by one on a busy machine).
  const m = await page.evaluate(
    async ({ image, body, name }) => {
      const response = await fetch(`/api/images/${image}/saliency`, { method: "POST", headers: { accept: "application/octet-stream", "content-type": "application/json" }, body: JSON.stringify(body) });
      const view = new DataView(await response.arrayBuffer()); // 16-bit heat, little-endian
      const heat = Array.from({ length: view.byteLength / 2 }, (_, i) => view.getUint16(i * 2, true));
      const layers = window.pandaStudio!.app.store.doc!.layers;
      const overlay = layers.find((l) => l.name === name)!;
      const face = layers.find((l) => l.name === "synthfaces seed 3")!.pixels.rgba;
      const editMask = layers.find((l) => l.name.includes(" · part "))!.mask!.image.gray;
      const opacity = overlay.mask!.image.gray;
      const rgba = overlay.pixels.rgba;
      const c = document.querySelector<HTMLCanvasElement>('[data-testid="canvas"]')!;
      const canvas = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      const byHeat = heat.map((v, i) => [v, opacity[i]]).sort((a, b) => a[0] - b[0]);
      const tenth = Math.floor(byHeat.length / 10);
      const mean = (rows: number[][]) => rows.reduce((sum, r) => sum + r[1], 0) / rows.length;
      let clear = 0, compared = 0, same = 0, hot = 0, changedWhereHot = 0;
      for (let i = 0; i < opacity.length; i++) {
        colours.add((rgba[i * 4] << 16) | (rgba[i * 4 + 1] << 8) | rgba[i * 4 + 2]);
        const differs = [0, 1, 2].some((k) => canvas[i * 4 + k] !== face[i * 4 + k]);
        if (opacity[i] === 0) clear++;
        if (opacity[i] === 0 && editMask[i] === 0) (compared++, !differs && same++);
        if (opacity[i] >= 200) (hot++, differs && changedWhereHot++);
      }
      return {
        pixels: opacity.length, clear: clear / opacity.length, maxOpacity: Math.max(...opacity), opacityLevels: new Set(opacity).size, colours: colours.size,
        hottestTenth: mean(byHeat.slice(-tenth)), coldestTenth: mean(byHeat.slice(0, tenth)), compared, same, hot, changedWhereHot,
      };
    },
    { image: state.image!.id, body: { factorisation: state.factorisationId!, appearance, output: "heat", bits: 16 }, name: `synthfaces seed 3 · heat map of appearance ${appearance}` },
  );
  expect(m.pixels).toBe(256 * 256);
  // Not a flat blob: clear in part of the face, many levels of opacity and colour, the most where the heat is.
  expect(m.clear).toBeGreaterThan(0.05);
  expect(m.clear).toBeLessThan(0.95);
  expect(m.maxOpacity).toBe(Math.round(255 * 0.85));
  // no steps: the 16-bit heat gives far more levels of opacity and colour than the ~35 that 8-bit heat
  // had left after the stretch
  expect(m.opacityLevels).toBeGreaterThan(100);
  expect(m.colours).toBeGreaterThan(150);
  expect(m.hottestTenth).toBeGreaterThan(m.coldestTenth + 100);
  // On screen: where the overlay is clear (and no edit lies over the face) the canvas shows the face as it is.
  expect(m.compared).toBeGreaterThan(1000);
  expect(m.same).toBe(m.compared);
  expect(m.hot).toBeGreaterThan(100);
  expect(m.changedWhereHot / m.hot).toBeGreaterThan(0.9);
  await page.evaluate(() => window.pandaStudio!.app.view.actualSize());
  await screenshot(page, "panel-faces-saliency");
}, 300_000); // a 256-px saliency layer and its checks on a shared 2-core machine

/** Mean colour difference between horizontal/vertical neighbours where the binary mask changes. */
function edgeContrast(rgba: number[], mask: number[], side: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < side - 1; y++)
    for (let x = 0; x < side - 1; x++) {
      const i = y * side + x;
      for (const j of [i + 1, i + side]) {
        if (mask[i] >= 128 === mask[j] >= 128) continue;
        for (let c = 0; c < 3; c++) sum += Math.abs(rgba[i * 4 + c] - rgba[j * 4 + c]) / 3;
        n++;
      }
    }
  return n ? sum / n : 0;
}
