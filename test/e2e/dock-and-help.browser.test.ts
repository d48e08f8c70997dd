/**
 * The editor in a small window (1024×700) and the panel's help, in Chromium against the real
 * server: the dock shares its height (layers as tall as their rows, a splitter, foldable
 * sections), the canvas refits when the window changes, every control has a tooltip, "How PandA
 * works" opens with its picture, the shortcut lists open, and Shift+click picks several parts.
 */
import { screenshot } from "../helpers/browser";
import { openStudio, Studio } from "./helpers";

// A real browser on a 2-core CI machine: one retry absorbs a timing hiccup; a real failure fails twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

let studio: Studio;

beforeAll(async () => {
  studio = await openStudio();
  await studio.page.setViewportSize({ width: 1024, height: 700 });
  await studio.panel.generateAndDiscover(8, { parts: 4, samples: 64 });
  await studio.page.locator('[data-part="3"] img').waitFor();
});
afterAll(async () => {
  await studio?.close();
});

const box = async (selector: string) => (await studio.page.locator(selector).first().boundingBox())!;

test("at 1024×700 the layers panel is as tall as its rows and the PandA panel gets the rest", async () => {
  const layers = await box('[data-testid="layers-panel"]');
  const dock = await box(".dock");
  expect(layers.height).toBeLessThan(0.4 * dock.height + 1);
  expect(layers.height).toBeLessThan(200); // one layer: not a fixed half of the dock
  const panda = await box(".panda-dock-section");
  expect(panda.height).toBeGreaterThan(dock.height - layers.height - 20);
  await screenshot(studio.page, "dock-1024x700");
});

test("folding sections makes room; the splitter sizes the layers panel", async () => {
  const { page } = studio;
  await page.locator('[data-fold="generate"]').click();
  await studio.panel.waitFor((s) => s.folded.includes("generate"));
  expect(await page.locator('[data-field="seed"]').count()).toBe(0);
  await page.locator('[data-fold="generate"]').click();
  await studio.panel.waitFor((s) => !s.folded.includes("generate"));

  const before = (await box('[data-testid="layers-panel"]')).height;
  const splitter = await box('[data-testid="dock-splitter"]');
  await page.mouse.move(splitter.x + splitter.width / 2, splitter.y + 2);
  await page.mouse.down();
  await page.mouse.move(splitter.x + splitter.width / 2, splitter.y - 150, { steps: 5 });
  await page.mouse.up();
  const layers = await box('[data-testid="layers-panel"]');
  expect(layers.height).toBeGreaterThan(before + 60);

  await page.locator('[data-testid="layers-panel"] .dock-title').click();
  expect((await box('[data-testid="layers-panel"]')).height).toBeLessThan(40);
  await page.locator('[data-testid="layers-panel"] .dock-title').click();
});

test("the canvas refits when the window changes size, unless the user moved the view", async () => {
  const { page } = studio;
  /** how far the image's centre is from the viewport's, in screen pixels */
  const offCentre = async () => {
    const view = await box('[data-testid="viewport"]');
    const image = await box('[data-testid="canvas"]');
    return Math.hypot(image.x + image.width / 2 - (view.x + view.width / 2), image.y + image.height / 2 - (view.y + view.height / 2));
  };
  expect(await offCentre()).toBeLessThan(2);
  await page.setViewportSize({ width: 1440, height: 900 });
  for (let waited = 0; (await offCentre()) >= 2 && waited < 5000; waited += 50) await page.waitForTimeout(50);
  expect(await offCentre()).toBeLessThan(2);
  const view = await box('[data-testid="viewport"]');
  await page.mouse.move(view.x + view.width / 2, view.y + view.height / 2);
  await page.mouse.wheel(0, 120); // scrolls the view: the user placed it
  const moved = await offCentre();
  expect(moved).toBeGreaterThan(50);
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.waitForTimeout(300);
  expect(await offCentre()).toBeGreaterThan(50);
  await page.getByTestId("view-zoom-fit").click();
  expect(await offCentre()).toBeLessThan(2);
});

test("every panel control says what it does; the help explains with a picture and lists the shortcuts", async () => {
  const { page, panel } = studio;
  const controls = page.locator(".panda-panel [data-action], .panda-panel .field");
  const count = await controls.count();
  expect(count).toBeGreaterThan(12);
  const untold: string[] = [];
  for (let i = 0; i < count; i++) {
    const tip = await controls.nth(i).getAttribute("title");
    if (!tip || tip.length < 15) untold.push((await controls.nth(i).innerText()).trim() || (await controls.nth(i).getAttribute("data-action")) || `control ${i}`);
  }
  expect(untold).toEqual([]);
  await panel.click("help");
  await page.locator(".help-picture").waitFor();
  expect(await page.locator('[data-section="help"]').textContent()).toContain("How PandA works");
  expect(await page.locator('[data-list="panel-shortcuts"] tr').count()).toBeGreaterThanOrEqual(4);
  await page.locator('[data-section="help"]').scrollIntoViewIfNeeded();
  await screenshot(page, "help-1024x700");
  await panel.click("close-help");
  await panel.waitFor((s) => !s.help);

  await page.keyboard.press("F1");
  const list = page.getByTestId("shortcut-list");
  await list.waitFor();
  expect(await list.innerText()).toContain("Ctrl+Z");
  await page.keyboard.press("Escape");
  await list.waitFor({ state: "detached" });
});

test("Shift+click picks several parts; the layer mask is their union", async () => {
  const { page, panel } = studio;
  await page.locator('[data-part="1"]').click();
  await page.locator('[data-part="2"]').click({ modifiers: ["Shift"] });
  await panel.waitFor((s) => s.partIndices.join() === "1,2");
  expect(await page.locator('[data-part][aria-pressed="true"]').count()).toBe(2);
  await panel.click("mask");
  expect((await panel.idle()).error).toBeNull();
  expect(await panel.messageText("notice")).toBe('Masked layer "tiny-test seed 8" to parts 1 + 2.');
  await screenshot(page, "multi-part-1024x700");
});
