/**
 * A running server lists factorisations that appear in its data folder (e.g. written there by
 * `panda decompose`), shows a half-written folder as a problem until it is complete, and forgets
 * a folder that was removed — without a restart and without failing a request.
 */
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { savePlanted } from "../engine/product/fixtures";
import { buildProductApp, PLANTED, ProductApp } from "./product-app";

let p: ProductApp;
beforeAll(async () => {
  p = await buildProductApp();
});
afterAll(() => p.close());

const list = async () => (await p.app.inject({ method: "GET", url: "/api/factorisations" })).json();
const ids = async () => (await list()).factorisations.map((f: { id: string }) => f.id).sort();

it("picks up a folder written by another process, and forgets it when it is removed", async () => {
  expect(await ids()).toEqual([PLANTED]);
  const dir = await savePlanted(p.dataDir, "from-cli", p.planted);
  expect(await ids()).toEqual(["from-cli", PLANTED]);
  expect((await p.app.inject({ method: "GET", url: "/api/factorisations/from-cli" })).json()).toMatchObject({ id: "from-cli", model: "tiny-test" });
  rmSync(dir, { recursive: true });
  expect(await ids()).toEqual([PLANTED]);
  expect((await p.app.inject({ method: "GET", url: "/api/factorisations/from-cli" })).statusCode).toBe(404);
});

it("finds a new id on direct lookup, before any listing", async () => {
  await savePlanted(p.dataDir, "looked-up", p.planted);
  expect((await p.app.inject({ method: "GET", url: "/api/factorisations/looked-up" })).statusCode).toBe(200);
});

it("shows a folder being copied in as a problem, then lists it once complete", async () => {
  const source = await savePlanted(p.dataDir, "staging", p.planted);
  const target = join(p.dataDir, "factorisations", "tiny-test", "copied");
  mkdirSync(target);
  copyFileSync(join(source, "parts.npy"), join(target, "parts.npy"));
  const half = await list();
  expect(half.factorisations.map((f: { id: string }) => f.id)).not.toContain("copied");
  expect(half.problems.some((q: { path: string }) => q.path.startsWith(target))).toBe(true);
  rmSync(target, { recursive: true });
  await savePlanted(p.dataDir, "copied", p.planted);
  const whole = await list();
  expect(whole.factorisations.map((f: { id: string }) => f.id)).toContain("copied");
  expect(whole.problems).toEqual([]);
});
