/**
 * The user's notes on part sets, kept by the server in the data folder: names, part and appearance
 * labels, favourites and the chosen set per model and layer — listed to every client, kept across
 * a restart, gone with a deleted set; bad indices refused.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { savePlanted } from "../engine/product/fixtures";
import { buildTestApp } from "../helpers/server";
import { buildProductApp, PLANTED, ProductApp } from "./product-app";

let p: ProductApp;
beforeAll(async () => {
  p = await buildProductApp();
});
afterAll(() => p.close());

const patch = (id: string, payload: object) => p.app.inject({ method: "PATCH", url: `/api/factorisations/${id}`, payload });
const listed = async (id: string) => (await p.app.inject({ method: "GET", url: "/api/factorisations?model=tiny-test" })).json().factorisations.find((f: { id: string }) => f.id === id);

it("lists a set under its automatic title until the user names it; an empty name brings the automatic one back", async () => {
  expect(await listed(PLANTED)).toMatchObject({ title: "4x4 · 4 parts · 2026-01-01 00:00", default: false, notes: { name: null, parts: {}, appearances: {}, favourites: [] } });
  const res = await patch(PLANTED, { name: "  Quadrants  " });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ id: PLANTED, title: "Quadrants", notes: { name: "Quadrants" } });
  expect((await listed(PLANTED)).title).toBe("Quadrants");
  expect((await p.app.inject({ method: "GET", url: `/api/factorisations/${PLANTED}` })).json().title).toBe("Quadrants");
  expect((await patch(PLANTED, { name: "" })).json().title).toBe("4x4 · 4 parts · 2026-01-01 00:00");
});

it("keeps labels of parts and appearances and favourites, changed one at a time", async () => {
  await patch(PLANTED, { parts: { "0": "top left", "3": "bottom right" }, appearances: { "5": "warm" }, favourites: { add: [5, 2] } });
  await patch(PLANTED, { parts: { "3": null }, favourites: { add: [9], remove: [2] } });
  expect((await listed(PLANTED)).notes).toEqual({ name: null, parts: { "0": "top left" }, appearances: { "5": "warm" }, favourites: [5, 9] });
});

it("chooses one set per model and layer", async () => {
  await savePlanted(p.dataDir, "second", p.planted);
  await patch(PLANTED, { default: true });
  expect([(await listed(PLANTED)).default, (await listed("second")).default]).toEqual([true, false]);
  await patch("second", { default: true });
  expect([(await listed(PLANTED)).default, (await listed("second")).default]).toEqual([false, true]);
  await patch("second", { default: false });
  expect((await listed("second")).default).toBe(false);
});

it("writes the notes into the data folder, where a restarted server finds them", async () => {
  await patch(PLANTED, { name: "Kept", default: true });
  const file = join(p.dataDir, "notes", "tiny-test", `${PLANTED}.json`);
  expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ format: "panda-notes/1", name: "Kept" });
  const again = await buildTestApp({ dataDir: p.dataDir });
  try {
    const f = (await again.app.inject({ method: "GET", url: "/api/factorisations" })).json().factorisations.find((x: { id: string }) => x.id === PLANTED);
    expect(f).toMatchObject({ title: "Kept", default: true, notes: { parts: { "0": "top left" } } });
  } finally {
    await again.close();
  }
});

it("forgets the notes and the choice of a deleted set", async () => {
  await savePlanted(p.dataDir, "doomed", p.planted);
  await patch("doomed", { name: "Doomed", default: true });
  expect((await p.app.inject({ method: "DELETE", url: "/api/factorisations/doomed" })).statusCode).toBe(204);
  expect(existsSync(join(p.dataDir, "notes", "tiny-test", "doomed.json"))).toBe(false);
  expect(JSON.parse(readFileSync(join(p.dataDir, "notes", "defaults.json"), "utf8")).defaults).toEqual({});
});

it("reads an unreadable notes file as no notes, and writes over it on the next change", async () => {
  await savePlanted(p.dataDir, "garbled", p.planted);
  mkdirSync(join(p.dataDir, "notes", "tiny-test"), { recursive: true });
  writeFileSync(join(p.dataDir, "notes", "tiny-test", "garbled.json"), "{ not json");
  expect((await listed("garbled")).notes.name).toBeNull();
  expect((await patch("garbled", { name: "Fine" })).json().title).toBe("Fine");
});

it.each([
  ["a part it does not have", { parts: { "4": "x" } }, 400, /no part 4/],
  ["an appearance it does not have", { appearances: { "16": "x" } }, 400, /no appearance 16/],
  ["a favourite it does not have", { favourites: { add: [99] } }, 400, /no appearance 99/],
  ["a label key that is not an index", { parts: { top: "x" } }, 400, /parts/],
  ["an unknown field", { colour: "red" }, 400, /unknown field "colour"/],
])("refuses %s", async (_name, payload, status, message) => {
  const res = await patch(PLANTED, payload);
  expect(res.statusCode).toBe(status);
  expect(res.json().message).toMatch(message);
});

it("404s notes on an unknown set", async () => {
  expect((await patch("nope", { name: "x" })).json().code).toBe("UNKNOWN_FACTORISATION");
});
