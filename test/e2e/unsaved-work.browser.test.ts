/**
 * Nothing is lost without asking (web editor, Chromium): leaving the page with unsaved work raises
 * the browser's "leave site?" prompt, opening a file over unsaved work asks first (and No keeps
 * the document), and after an .ora export both go through without a question.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Dialog } from "playwright-core";
import { tempDir } from "../helpers/server";
import { openStudio, Studio } from "./helpers";

// A real browser on a 2-core CI machine: one retry absorbs a timing hiccup; a real failure fails twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

let studio: Studio;
const files = tempDir("panda-e2e-unsaved-");
const IMAGE = "tiny-test seed 3";

beforeAll(async () => {
  studio = await openStudio();
  await studio.panel.fill("seed", "3");
  await studio.panel.click("generate");
  await studio.panel.idle();
});
afterAll(async () => {
  await studio.close();
  files.remove();
});

const nextDialog = () => new Promise<Dialog>((resolve) => studio.page.once("dialog", resolve));
const unsaved = () => studio.page.evaluate(() => window.pandaStudio!.app.store.unsaved);

test("leaving with unsaved work asks first; staying keeps everything", async () => {
  const { page, panel } = studio;
  expect(await unsaved()).toBe(true);
  const dialog = nextDialog();
  await page.close({ runBeforeUnload: true });
  const asked = await dialog;
  expect(asked.type()).toBe("beforeunload");
  await asked.dismiss();
  expect(page.isClosed()).toBe(false);
  expect((await panel.layers()).map((l) => l.name)).toEqual([IMAGE]);
});

test("opening a file over unsaved work asks; No keeps the document, Yes replaces it", async () => {
  const { page, panel } = studio;
  // a file to open: the document as it is now, exported (which also saves it); then a change makes it unsaved again
  await page.getByTestId("menu-file").click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("cmd-export-ora").click()]);
  const other = join(files.dir, "other.ora");
  writeFileSync(other, readFileSync((await download.path())!));
  expect(await unsaved()).toBe(false);
  await panel.fill("seed", "4");
  await panel.click("generate");
  await panel.idle();
  expect(await unsaved()).toBe(true);

  let dialog = nextDialog();
  await page.getByTestId("open-file").setInputFiles(other);
  let asked = await dialog;
  expect(asked.type()).toBe("confirm");
  expect(asked.message()).toBe(`Replace "${IMAGE}" by other.ora? Its changes since it was last exported as .ora will be lost (Undo brings it back).`);
  await asked.dismiss();
  await page.getByTestId("status-message").filter({ hasText: `Kept "${IMAGE}"` }).waitFor();
  expect((await panel.layers()).map((l) => l.name)).toEqual([IMAGE, "tiny-test seed 4"]);

  dialog = nextDialog();
  await page.getByTestId("open-file").setInputFiles(other);
  asked = await dialog;
  await asked.accept();
  await page.waitForFunction(() => window.pandaStudio!.app.store.doc?.title === "other");
  expect((await panel.layers()).map((l) => l.name)).toEqual([IMAGE]);
  expect(await unsaved()).toBe(false); // just opened: nothing to lose yet
});

test("after an .ora export the tab closes without a question", async () => {
  const { page, panel } = studio;
  await panel.fill("seed", "5");
  await panel.click("generate");
  await panel.idle();
  expect(await unsaved()).toBe(true);
  await page.getByTestId("menu-file").click();
  await Promise.all([page.waitForEvent("download"), page.getByTestId("cmd-export-ora").click()]);
  expect(await unsaved()).toBe(false);
  let asked = false;
  page.once("dialog", () => (asked = true));
  await page.close({ runBeforeUnload: true });
  for (let waited = 0; !page.isClosed() && waited < 10000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(page.isClosed()).toBe(true);
  expect(asked).toBe(false);
});
