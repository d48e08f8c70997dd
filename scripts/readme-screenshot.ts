/**
 * Retakes the README's screenshot (docs/screenshot.png) in the web editor at 1440×900, in
 * Chromium against the real server on the default model: a face, its shipped parts and a
 * hair-colour edit applied through the panel as a layer masked (soft edge) to the hair part.
 * Look at the result before committing it.
 *   npx tsx scripts/readme-screenshot.ts [--seed N --part K --appearance C --strength S]
 */
import { join, resolve } from "node:path";
import { DEFAULT_MODELS_DIR } from "../companion-server/src/cli/paths";
import { numberArg } from "../bench/bench-util";
import { openStudio } from "../test/e2e/helpers";

const OUT = resolve(__dirname, "..", "docs", "screenshot.png");

async function main(): Promise<void> {
  const seed = numberArg("--seed", 7);
  const part = numberArg("--part", 7);
  const appearance = numberArg("--appearance", 1);
  const strength = numberArg("--strength", 2.5);
  const studio = await openStudio({ modelDirs: [DEFAULT_MODELS_DIR] });
  const { panel, page } = studio;
  try {
    await page.evaluate(() => window.pandaStudio!.panel!.model.selectModel("synthfaces"));
    await panel.fill("seed", String(seed));
    await panel.click("generate");
    await panel.waitFor((s) => s.parts.length > 0 && s.appearanceScales.length > 0 && !s.busy, 120_000);
    await page.evaluate(() => window.pandaStudio!.panel!.model.setMaskKind("soft"));
    await panel.pickPart(part);
    await panel.pickAppearance(appearance);
    await page.evaluate((s) => window.pandaStudio!.panel!.model.setStrength(s), strength);
    await page.evaluate(() => window.pandaStudio!.panel!.model.previewIdle());
    await panel.click("apply");
    const state = await panel.idle();
    if (state.error) throw new Error(state.error);
    await page.evaluate(() => document.querySelector(".panda-panel .parts .thumbs")?.scrollIntoView());
    await page.waitForTimeout(300);
    await page.screenshot({ path: OUT });
    console.log(JSON.stringify({ screenshot: join("docs", "screenshot.png"), seed, part, appearance, strength, notice: state.notice }));
  } finally {
    await studio.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
