/**
 * Error states through the panel in the web editor: invalid input is named before anything is
 * sent (limits from the layer's real size), and a stopped server is reported clearly. (The
 * server's own refusals are shown as they are: test/panel/panel-model.test.ts.)
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
  await studio.close();
});

test("invalid input names the field and what it accepts; nothing is added", async () => {
  const { panel, page } = studio;
  await panel.fill("seed", "forty-two");
  await panel.click("generate");
  await panel.idle();
  expect(await panel.messageText("error")).toBe("Seed must be a whole number from 0 to 4294967295");
  expect(await panel.layers()).toEqual([]);
  await page.locator('[data-message="error"]').waitFor();
  await screenshot(page, "panel-error-input");
});

test("too many parts for the layer: the limit comes from the layer's real size", async () => {
  const { panel } = studio;
  await panel.fill("parts", "64"); // the tiny model's 4×4 layer has 16 positions
  await panel.click("discover");
  await panel.idle();
  expect(await panel.messageText("error")).toBe("Parts must be a whole number from 1 to 16");
});

test("a stopped server: the status and the message say so, with the address", async () => {
  const { panel, page, serverUrl } = studio;
  await panel.fill("seed", "1");
  await studio.stopServer();
  await panel.click("generate");
  await panel.idle();
  expect(await panel.messageText("error")).toBe(`Cannot reach the PandA server at ${serverUrl}. Is it running? Start it with "npm start", or correct the address.`);
  expect(await page.locator("[data-status]").getAttribute("data-status")).toBe("offline");
  expect(await page.locator("[data-status]").textContent()).toContain("Server not reachable");
  expect(await panel.layers()).toEqual([]);
  await screenshot(page, "panel-error-server-down");
});
