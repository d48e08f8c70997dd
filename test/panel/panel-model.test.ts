/** The panel model's journeys against a mock host and a real server holding a fresh tiny bundle. */
import { inflateSync } from "node:zlib";
import { INFERNO } from "../../plugin/src/model/colour-map";
import { OVERLAY_OPACITY } from "../../plugin/src/model/saliency-overlay";
import { HttpPandaClient } from "../../plugin/src/client/http-client";
import { PanelModel } from "../../plugin/src/model/panel-model";
import { Settings } from "../../plugin/src/model/settings";
import { startTestServer, tempDir } from "../helpers/server";
import { MockHost } from "./mock-host";
import { MemoryStorage } from "./memory-storage";
import { panel, webSocket } from "./panel-fixture";

describe("journeys", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let data: ReturnType<typeof tempDir>;
  const { model, host, shown, sent, storage } = panel("http://placeholder");

  beforeAll(async () => {
    data = tempDir("panda-data-");
    server = await startTestServer({ dataDir: data.dir });
    await model.setServerUrl(server.url);
  });
  afterAll(async () => {
    await server.close();
    data.remove();
  });

  test("connecting picks the only model and its default layer", () => {
    expect(model.state.connection.status).toBe("connected");
    expect(model.state.modelId).toBe("tiny-test");
    expect(model.state.layerId).toBe("4x4");
    expect(model.state.factorisations).toEqual([]);
  });

  test("a random seed is shown in the seed field, so the image can be made again", async () => {
    await model.generate({ random: true });
    const seed = model.state.generate.seed;
    expect(model.state.image?.seed).toBe(seed);
    expect(host.layers.at(-1)?.name).toBe(`tiny-test seed ${seed}`);
    host.layers = []; // the journeys below start from an empty document
  });

  test("generate adds a layer named after model and seed", async () => {
    model.setGenerate({ seed: 5 });
    await model.generate();
    expect(model.state.error).toBeNull();
    expect(host.layers.map((l) => l.name)).toEqual(["tiny-test seed 5"]);
    expect(model.state.image).toMatchObject({ model: "tiny-test", seed: 5, width: 16, height: 16 });
  });

  test("discovering parts follows the job and shows part and appearance thumbnails", async () => {
    model.setDiscover({ parts: 4, samples: 64 });
    await model.discoverParts();
    expect(model.state.error).toBeNull();
    expect(model.state.job).toBeNull();
    expect(model.state.factorisationId).not.toBeNull();
    expect(model.state.parts).toHaveLength(4);
    expect(model.state.appearances).toHaveLength(4);
    expect(model.state.appearances.every((a) => a.thumbnail?.startsWith("data:image/png;base64,"))).toBe(true);
    // reproducible: the discovery seed field (0 unless changed) goes with the request
    expect(sent.find((r) => r.path === "/api/factorisations")?.body).toMatchObject({ parts: 4, samples: 64, seed: 0 });
  });

  test("appearance thumbnails are colour heat maps (inferno), not gray", () => {
    const png = Buffer.from(model.state.appearances[0].thumbnail!.split(",")[1], "base64");
    const raw = inflateSync(png.subarray(41, 41 + png.readUInt32BE(33)));
    const pixels = Array.from({ length: 16 * 16 }, (_, i) => raw.subarray(Math.floor(i / 16) * 65 + 1 + (i % 16) * 4).subarray(0, 3));
    expect(pixels.some(([r, g, b]) => r !== g || g !== b)).toBe(true);
    const lut = new Set(Array.from({ length: 256 }, (_, v) => INFERNO.subarray(v * 3, v * 3 + 3).join()));
    expect(pixels.every((p) => lut.has(Array.from(p).join()))).toBe(true);
  });

  test("a part becomes the selection or the generated layer's mask", async () => {
    model.selectPart(1);
    await model.partToSelection();
    expect(host.selection?.gray.some((v) => v === 255)).toBe(true);
    await model.partToLayerMask();
    expect(host.layer("tiny-test seed 5")?.mask?.gray).toEqual(host.selection?.gray);
  });

  test("picking a part asks for its mask at once (the preview's first frame needs it), and each part set's mask only once", async () => {
    const masksAsked = () => sent.filter((r) => r.path.endsWith("/masks")).map((r) => (r.body as { parts: number[] }).parts.join("+"));
    const before = masksAsked().length;
    model.selectPart(2);
    for (let i = 0; i < 400 && masksAsked().length === before; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(masksAsked().slice(before)).toEqual(["2"]);
    await model.partToSelection(); // the mask fetched on the click
    model.selectPart(1); // its mask was fetched before
    await model.partToSelection();
    expect(masksAsked().slice(before)).toEqual(["2"]);
    expect(model.state.error).toBeNull();
  });

  test("strengths are in appearance units: one range for every appearance, each appearance's scale from the factorisation", () => {
    model.selectAppearance(0);
    const scales = model.state.appearanceScales;
    expect(scales).toHaveLength(16);
    expect(scales.every((s) => s > 0)).toBe(true);
    expect(new Set(scales).size).toBeGreaterThan(1); // appearances differ in scale; the slider's units absorb it
    expect(model.state.strengthLimit).toBe(4);
    model.setStrength(1e6);
    expect(model.state.strength).toBe(4);
    model.selectAppearance(3);
    expect(model.state.strength).toBe(4); // kept: it means as much for the new appearance
    model.setStrength(0);
    model.selectAppearance(0);
  });

  test("dragging the strength updates one preview layer in place, ending on the last value", async () => {
    const limit = model.state.strengthLimit;
    const values = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((f) => f * limit);
    for (const strength of values) model.setStrength(strength);
    await model.previewIdle();
    const previews = host.layers.filter((l) => l.name === "PandA preview");
    expect(previews).toHaveLength(1);
    expect(shown.at(-1)).toBeCloseTo(0.6 * limit);
    expect(shown.length).toBeLessThan(values.length); // coalesced: not one request per event
  });

  test("apply replaces the preview by a new layer masked to the part, with changed pixels", async () => {
    const strength = model.state.strength;
    await model.applyEdit();
    expect(model.state.error).toBeNull();
    expect(host.layer("PandA preview")).toBeUndefined();
    const edited = host.layer(new RegExp(`part 1 · appearance 0 \\+${strength}$`));
    expect(edited?.mask?.gray).toEqual(host.selection?.gray);
    const original = host.layer("tiny-test seed 5")!.pixels.rgba;
    expect(edited!.pixels.rgba.some((v, i) => v !== original[i])).toBe(true);
    // the edit layer remembers what made it
    expect(JSON.parse(edited!.data!)).toMatchObject({ kind: "edit", model: "tiny-test", seed: 5, factorisation: model.state.factorisationId, edits: [{ parts: [1], appearance: 0, strength }] });
  });

  test("its edits — preview frames and Apply — and the appearance browser's previews use the parts refined for the image, as its masks do", () => {
    const bodies = (suffix: string) => sent.filter((r) => r.path.endsWith(suffix)).map((r) => r.body as { refine?: boolean });
    for (const suffix of ["/edits", "/masks", "/appearances"]) {
      const asked = bodies(suffix);
      expect({ suffix, asked: asked.length > 0, refined: asked.every((b) => b.refine === true) }).toEqual({ suffix, asked: true, refined: true });
    }
  });

  test("after apply the preview never comes back from a part or appearance click", async () => {
    expect(model.state.strength).toBe(0);
    model.selectPart(2);
    model.selectAppearance(1);
    model.selectPart(1);
    model.selectAppearance(0);
    await model.previewIdle();
    expect(host.layer("PandA preview")).toBeUndefined();
  });

  test("with a part picked, appearances come ranked for it as previews of the edit, more on demand; by number on request", async () => {
    expect(model.state.appearanceCount).toBe(16);
    await model.appearancesIdle();
    await model.showMoreAppearances();
    const shown = model.state.appearances;
    expect(shown.map((a) => a.rank)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(shown.every((a) => a.thumbnail?.startsWith("data:image/png;base64,") && a.change !== null)).toBe(true);
    // the server's ranking for part 1 (refined for the image, as the panel asks), in its order
    const ranking = await (await fetch(`${server.url}/api/images/${model.state.image!.id}/appearances`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ factorisation: model.state.factorisationId, parts: [1], limit: 8, refine: true }),
    })).json();
    expect(shown.map((a) => a.index)).toEqual(ranking.appearances.map((a: { appearance: number }) => a.appearance));
    model.setAppearanceOrder("number");
    await model.appearancesIdle();
    expect(model.state.appearances.map((a) => a.index)).toEqual([0, 1, 2, 3]);
    model.setAppearanceOrder("best");
    await model.appearancesIdle();
  });

  test("labels and favourites of the user's are kept by the server and shown to the next panel; favourites come first", async () => {
    await model.labelPart(1, "upper right");
    await model.labelAppearance(3, " warm ");
    await model.toggleFavourite(3);
    await model.toggleFavourite(5);
    await model.toggleFavourite(5);
    expect(model.state.error).toBeNull();
    expect(model.state.favourites.map((a) => a.index)).toEqual([3]);
    expect(model.state.favourites[0].thumbnail).toMatch(/^data:image\/png;base64,/);
    const next = panel(server.url, new MockHost()).model;
    await next.connect();
    const notes = next.state.factorisations.find((f) => f.id === model.state.factorisationId)!.notes;
    expect(notes).toMatchObject({ parts: { "1": "upper right" }, appearances: { "3": "warm" }, favourites: [3] });
  });

  test("saved parts can be picked for a new image; the old image's preview goes", async () => {
    const saved = model.state.factorisationId!;
    model.selectAppearance(1);
    model.setStrength(model.state.strengthLimit / 4);
    await model.previewIdle();
    expect(host.layer("PandA preview")).toBeDefined();
    model.setGenerate({ seed: 6 });
    await model.generate();
    expect(host.layer("PandA preview")).toBeUndefined();
    expect(model.state.factorisationId).toBe(saved);
    expect(model.state.parts).toHaveLength(4);
    await model.selectFactorisation(saved);
    expect(model.state.error).toBeNull();
    expect(model.state.parts).toHaveLength(4);
    model.selectPart(1);
    model.selectAppearance(0);
  });

  test("saliency becomes a heat-map overlay layer: colour by default or gray, clear where the appearance is absent", async () => {
    await model.saliencyLayer();
    const colour = host.layer(/heat map of appearance 0$/);
    expect(colour?.pixels.rgba).toHaveLength(16 * 16 * 4);
    // the server's heat and threshold mask of the same appearance
    const client = new HttpPandaClient(server.url, { webSocket });
    const source = { factorisation: model.state.factorisationId!, appearance: 0 };
    const heat = (await client.saliencyHeatMap(model.state.image!.id, source)).heat;
    const present = (await client.saliencyMask(model.state.image!.id, source)).gray;
    const opacity = colour!.mask!.gray;
    // absent (well below the threshold): clear; present: partly opaque, most where the heat is highest
    const strongest = heat.indexOf(Math.max(...heat));
    expect(opacity[strongest]).toBe(Math.round(255 * OVERLAY_OPACITY.strongest));
    const low = Math.min(...heat.filter((_, i) => present[i] === 255));
    heat.forEach((v, i) => {
      if (present[i] === 255) expect(opacity[i]).toBeGreaterThanOrEqual(Math.round(255 * OVERLAY_OPACITY.present));
      if (v < low - 0.2 * (heat[strongest] - low)) expect(opacity[i]).toBe(0);
    });
    // pixels: the heat stretched from the threshold (inferno's first colour) to the strongest (its last)
    const rgb = (i: number) => Array.from(colour!.pixels.rgba.subarray(i * 4, i * 4 + 3));
    expect(rgb(strongest)).toEqual(Array.from(INFERNO.subarray(255 * 3)));
    expect(rgb(heat.indexOf(low))).toEqual(Array.from(INFERNO.subarray(0, 3)));

    model.setSaliencyOutput("gray");
    await model.saliencyLayer();
    const gray = host.layer(/saliency of appearance 0$/);
    expect(gray?.mask?.gray).toEqual(opacity);
    const g = gray!.pixels.rgba;
    expect(Array.from({ length: 256 }, (_, i) => g[i * 4] === g[i * 4 + 1] && g[i * 4 + 1] === g[i * 4 + 2]).every(Boolean)).toBe(true);
    expect([g[strongest * 4], g[heat.indexOf(low) * 4]]).toEqual([255, 0]);
    expect(new Settings(storage).preferences().saliencyOutput).toBe("gray");
    model.setSaliencyOutput("colour"); // the journeys below expect the default
  });

  test("removing a part adds a new layer", async () => {
    await model.removePart();
    expect(host.layer(/seed 6 without part 1$/)?.pixels.rgba).toHaveLength(16 * 16 * 4);
  });

  test("fit document: the image and everything derived from it get the same placement", async () => {
    host.openDocument = { width: 128, height: 96, title: "photo" }; // wider than tall: the aspect is kept, 96×96
    model.setPlacement({ mode: "fit", resample: "nearest" });
    expect(new Settings(storage).preferences().placement).toEqual({ mode: "fit", resample: "nearest" });
    host.calls = [];
    model.setGenerate({ seed: 7 });
    await model.generate();
    expect(model.state.error).toBeNull();
    expect(model.state.notice).toBe('Added layer "tiny-test seed 7", placed at 96×96, nearest.');
    model.selectPart(1);
    await model.partToSelection();
    await model.partToLayerMask();
    model.selectAppearance(0);
    model.setStrength(model.state.strengthLimit / 2);
    await model.previewIdle();
    model.setStrength(model.state.strengthLimit / 3);
    await model.previewIdle();
    await model.applyEdit();
    await model.saliencyLayer();
    await model.removePart();
    expect(model.state.error).toBeNull();

    const pixels = { width: 96, height: 96, resample: "nearest" };
    const masks = { width: 96, height: 96, resample: "bilinear" };
    const expected = { addLayer: pixels, updateLayer: pixels, setLayerMask: masks, setSelection: masks };
    expect(new Set(host.calls.map((c) => c.call))).toEqual(new Set(Object.keys(expected)));
    for (const call of host.calls) expect([call.call, call.target, call.placement]).toEqual([call.call, call.target, expected[call.call]]);
    expect(host.calls.filter((c) => c.call === "addLayer").map((c) => c.target)).toEqual([
      "tiny-test seed 7",
      "PandA preview",
      expect.stringMatching(/part 1 · appearance 0/),
      expect.stringMatching(/heat map of appearance 0$/),
      "tiny-test seed 7 without part 1",
    ]);
  });

  test("image size: 1:1 at the top-left, nothing resampled, and the message says so", async () => {
    model.setPlacement({ mode: "image" });
    host.calls = [];
    await model.generate();
    model.selectPart(1);
    await model.partToLayerMask();
    expect(model.state.notice).toBe('Masked layer "tiny-test seed 7" to part 1.');
    expect(host.calls.map((c) => c.placement)).toEqual([undefined, undefined]);
    expect(host.layers.at(-1)?.name).toBe("tiny-test seed 7");
    host.openDocument = undefined;
  });

  test("another layer without saved parts clears the old thumbnails; back again shows them", async () => {
    expect(model.state.parts).toHaveLength(4);
    await model.selectLayer("8x8");
    expect(model.state).toMatchObject({ factorisationId: null, parts: [], appearances: [], partIndex: null, error: null });
    await model.selectLayer("4x4");
    expect(model.state.factorisationId).not.toBeNull();
    expect(model.state.parts).toHaveLength(4);
  });

  test("several parts: Shift+click adds and removes; masks, edits and names use the union", async () => {
    model.selectPart(1);
    await model.partToSelection();
    const one = host.selection!.gray;
    model.selectPart(2, { add: true });
    expect(model.state).toMatchObject({ partIndex: 1, partIndices: [1, 2] });
    await model.partToSelection();
    const union = host.selection!.gray;
    model.selectPart(2);
    await model.partToSelection();
    const two = host.selection!.gray;
    expect(Array.from(union)).toEqual(Array.from(one).map((v, i) => Math.max(v, two[i])));
    expect(union.filter((v) => v === 255).length).toBeGreaterThan(one.filter((v) => v === 255).length);

    model.selectPart(1);
    model.selectPart(2, { add: true });
    model.selectPart(3, { add: true });
    model.selectPart(3, { add: true }); // a second Shift+click takes it out
    expect(model.state.partIndices).toEqual([1, 2]);
    model.selectAppearance(0);
    model.typeStrength("1.5");
    expect(model.state.strength).toBe(1.5);
    await model.previewIdle();
    await model.applyEdit();
    const edit = host.layer(/parts 1 \+ 2 · appearance 0 \+1\.5$/);
    expect(edit?.mask?.gray).toEqual(union);
    expect(JSON.parse(edit!.data!).edits).toEqual([{ parts: [1, 2], appearance: 0, strength: 1.5 }]);
  });

  test("a typed strength outside the range is refused, naming the range", () => {
    model.typeStrength("9");
    expect(model.state.error).toBe("Strength must be a number from -4 to 4 (1 is a clear change).");
    model.typeStrength("abc");
    expect(model.state.strength).toBe(0);
    model.typeStrength("-0.5");
    expect(model.state).toMatchObject({ strength: -0.5, error: null });
    model.setStrength(0);
  });

  test("soft (feathered) masks fade at the part's border instead of a hard edge", async () => {
    model.selectPart(1);
    model.setMaskKind("soft");
    await model.partToSelection();
    const soft = host.selection!.gray;
    expect(soft.some((v) => v > 0 && v < 255)).toBe(true);
    model.setMaskKind("binary");
    await model.partToSelection();
    expect(host.selection!.gray.every((v) => v === 0 || v === 255)).toBe(true);
  });

  test("invalid input is refused before anything is sent, naming the field", async () => {
    const before = host.layers.length;
    model.setGenerate({ seed: Number.NaN });
    await model.generate();
    expect(model.state.error).toMatch(/^Seed must be a whole number/);
    expect(host.layers).toHaveLength(before);
    model.setGenerate({ seed: 5 });
  });

  test("a success message can be dismissed, but only while it is still the current one", () => {
    const notice = model.state.notice!;
    model.dismissNotice("something older");
    expect(model.state.notice).toBe(notice);
    model.dismissNotice(notice);
    expect(model.state.notice).toBeNull();
  });

  test("the discovery seed is remembered (the last valid one while typing) and sent", async () => {
    model.setDiscover({ seed: 9 });
    model.setDiscover({ seed: Number.NaN });
    expect(new Settings(storage).preferences().discoverSeed).toBe(9);
    await model.discoverParts();
    expect(model.state.error).toBe("Discovery seed must be a whole number from 0 to 4294967295");
    const reopened = panel(server.url, new MockHost(), storage).model;
    expect(reopened.state.discover.seed).toBe(9);
    model.setDiscover({ seed: 0 });
  });

  test("part and appearance counts are limited by the layer's real size (4×4, 16 channels)", async () => {
    model.setDiscover({ parts: 17 });
    await model.discoverParts();
    expect(model.state.error).toBe("Parts must be a whole number from 1 to 16");
    model.setDiscover({ parts: 4, appearances: 17 });
    await model.discoverParts();
    expect(model.state.error).toBe("Appearances must be a whole number from 1 to 16");
    model.setDiscover({ appearances: null });
  });

  test("part sets: a human name kept by the server; the chosen default, not the newest, on the next start; delete asks once", async () => {
    const first = model.state.factorisationId!;
    const set = model.state.factorisations.find((f) => f.id === first)!;
    expect(set.title).toMatch(/^4x4 · 4 parts · \d{4}-\d\d-\d\d \d\d:\d\d$/);
    await model.renamePartSet("faces, coarse");
    await model.makeDefaultPartSet();
    expect(model.state.factorisations.find((f) => f.id === first)).toMatchObject({ title: "faces, coarse", default: true });
    model.setDiscover({ parts: 3, samples: 32 });
    await model.discoverParts();
    const newest = model.state.factorisationId!;
    expect(newest).not.toBe(first);
    // a new panel, with settings of its own, shows the chosen set and its name: the server keeps them
    const next = panel(server.url, new MockHost()).model;
    await next.connect();
    expect(next.state.factorisationId).toBe(first);
    expect(next.state.factorisations.find((f) => f.id === first)?.title).toBe("faces, coarse");
    await model.selectFactorisation(newest);
    expect(model.state.factorisations.length).toBe(2);
    await model.deletePartSet();
    expect(model.state.factorisations.length).toBe(2); // asked, not deleted
    await model.deletePartSet();
    expect(model.state.error).toBeNull();
    expect(model.state.factorisations.map((f) => f.id)).toEqual([first]);
    expect(model.state.factorisationId).toBe(first);
    expect(set.readOnly).toBe(false);
    model.setDiscover({ parts: 4, samples: 64 });
  });

  test("names and the chosen set an older panel kept in its settings move to the server once", async () => {
    const id = model.state.factorisationId!;
    await model.renamePartSet("");
    const storage = new MemoryStorage();
    storage.setItem("panda-studio.partSets", JSON.stringify({ names: { [id]: "from before", gone: "x" }, defaults: {} }));
    const older = panel(server.url, new MockHost(), storage).model;
    await older.connect();
    expect(older.state.factorisations.find((f) => f.id === id)?.title).toBe("from before");
    expect(new Settings(storage).legacyPartSets()).toEqual({ names: { gone: "x" }, defaults: {} });
    await model.refreshFactorisations();
    expect(model.state.factorisations.find((f) => f.id === id)?.title).toBe("from before");
  });

  test("the server's message is shown when it refuses a request", async () => {
    await model.selectFactorisation("no-such-parts");
    expect(model.state.error).toMatch(/no-such-parts/);
    expect(model.state.connection.status).toBe("connected");
  });
});

test("a failed job shows the server's reason", async () => {
  const data = tempDir("panda-data-");
  const server = await startTestServer({ dataDir: data.dir });
  const failing = (url: string) =>
    Object.assign(new HttpPandaClient(url, { webSocket }), {
      startFactorisation: async () => ({
        jobId: "j1",
        factorisationId: "f1",
        events: (async function* () {
          yield { type: "progress" as const, jobId: "j1", fraction: 0.5, message: "fitting" };
          yield { type: "failed" as const, jobId: "j1", message: "out of memory: try fewer samples" };
        })(),
      }),
    });
  const model = new PanelModel({ host: new MockHost(), createClient: failing, settings: new Settings(null), defaultServerUrl: server.url });
  await model.connect();
  await model.discoverParts();
  expect(model.state.error).toBe("Discovering parts failed: out of memory: try fewer samples");
  expect(model.state.job).toBeNull();
  await server.close();
  data.remove();
});

test("a stopped server is reported as unreachable; a new address reconnects", async () => {
  const data = tempDir("panda-data-");
  let server = await startTestServer({ dataDir: data.dir });
  const { model, host } = panel(server.url);
  await model.connect();
  await server.close();

  await model.generate();
  expect(model.state.connection.status).toBe("offline");
  expect(model.state.error).toContain(`Cannot reach the PandA server at ${server.url}`);
  expect(host.layers).toHaveLength(0);

  server = await startTestServer({ dataDir: data.dir }); // a new port: the user types the new address
  await model.setServerUrl(`127.0.0.1:${new URL(server.url).port}`);
  expect(model.state.connection.status).toBe("connected");
  expect(model.state.error).toBeNull();
  await server.close();
  data.remove();
});
