/**
 * The panel acts on the document's active layer, not on the image generated last: each layer
 * PandA makes carries its origin (model, latent, truncation, parts, edits), so selecting a layer —
 * also in a reopened document, in a new session — brings its image back; a layer PandA did not make
 * gets a clear message. Against a mock host and a real server holding a fresh tiny bundle.
 */
import { decodeOrigin } from "../../plugin/src/model/layer-origin";
import { startTestServer, tempDir } from "../helpers/server";
import { MockHost } from "./mock-host";
import { generateTwoImages, panel } from "./panel-fixture";

let server: Awaited<ReturnType<typeof startTestServer>>;
let data: ReturnType<typeof tempDir>;
const { model, host, sent } = panel("http://placeholder");

beforeAll(async () => {
  data = tempDir("panda-data-");
  server = await startTestServer({ dataDir: data.dir });
  await model.setServerUrl(server.url);
  await generateTwoImages(model);
});
afterAll(async () => {
  await server.close();
  data.remove();
});

const SEED_1 = "tiny-test seed 1";
const SEED_2 = "tiny-test seed 2";

test("a generated layer keeps its model, seed, latent and truncation", () => {
  const origin = decodeOrigin(host.layer(SEED_1)!.data);
  expect(origin).toMatchObject({ kind: "image", model: "tiny-test", seed: 1, truncation: 1, title: SEED_1, width: 16, height: 16, factorisation: null, edits: [] });
  expect(origin!.latent).toHaveLength(16);
});

test("with two images, selecting the first makes the mask, the edit and their names go to it", async () => {
  host.select(SEED_1);
  await model.syncActiveLayer();
  expect(model.state.image).toMatchObject({ seed: 1, layer: { name: SEED_1 } });
  model.selectPart(1);
  await model.partToLayerMask();
  expect(model.state.error).toBeNull();
  expect(model.state.notice).toBe(`Masked layer "${SEED_1}" to part 1.`);
  expect(host.layer(SEED_1)!.mask).not.toBeNull();
  expect(host.layer(SEED_2)!.mask).toBeNull();

  model.selectAppearance(0);
  model.setStrength(model.state.strengthLimit / 2);
  await model.previewIdle();
  const strength = model.state.strength;
  await model.applyEdit();
  const edit = host.layer(new RegExp(`^${SEED_1} · part 1 · appearance 0`));
  expect(edit).toBeDefined();
  expect(decodeOrigin(edit!.data)).toMatchObject({ kind: "edit", seed: 1, edits: [{ parts: [1], appearance: 0, strength }] });
  // the edit was computed on seed 1's image: outside the part it equals seed 1, not seed 2
  const unmasked = edit!.mask!.gray.findIndex((v) => v === 0);
  const at = (name: string) => Array.from(host.layer(name)!.pixels.rgba.subarray(unmasked * 4, unmasked * 4 + 4));
  expect(Array.from(edit!.pixels.rgba.subarray(unmasked * 4, unmasked * 4 + 4))).toEqual(at(SEED_1));
  const editRequest = sent.filter((r) => r.path.endsWith("/edits")).at(-1)!;
  expect(editRequest.path).toBe(`/api/images/${model.state.image!.id}/edits`);
});

test("selecting the other image switches the parts to it; the server is not asked to generate again", async () => {
  const generated = sent.filter((r) => r.path === "/api/generate").length;
  host.select(SEED_2);
  await model.syncActiveLayer();
  expect(model.state.image).toMatchObject({ seed: 2, layer: { name: SEED_2 } });
  expect(model.state.parts).toHaveLength(4);
  expect(sent.filter((r) => r.path === "/api/generate")).toHaveLength(generated);
});

test("a layer PandA did not make: a clear message, no stale parts, and actions refuse with it", async () => {
  host.layers.push({ id: "painted", name: "my paint", pixels: { width: 16, height: 16, rgba: new Uint8Array(1024) }, mask: null, updates: 0, placement: undefined, maskPlacement: undefined, data: null });
  host.select("my paint");
  await model.syncActiveLayer();
  expect(model.state.image).toBeNull();
  expect(model.state.parts).toEqual([]);
  expect(model.state.layerNote).toBe('Not supported: PandA edits images this model generated, and PandA did not make the layer "my paint". Select a layer PandA generated, or generate one.');
  model.selectPart(0);
  await model.partToSelection();
  expect(model.state.error).toBe(model.state.layerNote);
});

test("reopened in a new session, an edit layer brings back its image (generated again from the latent), parts and edit", async () => {
  // the document as saved: the same layers and their data, in a panel that has never seen them
  const reopened = new MockHost();
  reopened.layers = host.layers.filter((l) => l.data !== null).map((l) => ({ ...l, id: `re-${l.id}` }));
  const again = panel(server.url, reopened);
  await again.model.connect();
  const edit = reopened.select(new RegExp(`^${SEED_1} · part 1`));
  await again.model.syncActiveLayer();
  const origin = decodeOrigin(edit.data)!;
  expect(again.model.state.error).toBeNull();
  expect(again.model.state.image).toMatchObject({ seed: 1, layer: { name: edit.name } });
  expect(again.sent.filter((r) => r.path === "/api/generate").map((r) => r.body)).toEqual([{ model: "tiny-test", latent: origin.latent, truncation: 1 }]);
  expect(again.model.state).toMatchObject({ factorisationId: origin.factorisation, partIndex: 1, appearanceIndex: 0, strength: 0 });
  expect(again.model.state.parts).toHaveLength(4);

  // and editing goes on: a new edit of the same image
  again.model.selectPart(2);
  again.model.setStrength(again.model.state.strengthLimit / 4);
  await again.model.previewIdle();
  await again.model.applyEdit();
  expect(again.model.state.error).toBeNull();
  expect(reopened.layer(new RegExp(`^${SEED_1} · part 2 · appearance 0`))).toBeDefined();
});
