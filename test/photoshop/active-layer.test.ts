/**
 * The Photoshop host and the active layer: the layer selected in Photoshop's Layers panel is what
 * the panel acts on, and each layer PandA makes keeps its origin in the layer's XMP metadata (which
 * Photoshop saves in the PSD), so a reopened document is edited further. Host calls against the
 * typed fake of Photoshop; the panel journeys also against a real server with a fresh tiny bundle.
 */
import WebSocket from "ws";
import { HttpPandaClient } from "../../plugin/src/client/http-client";
import type { WebSocketFactory } from "../../plugin/src/client/job-events";
import { PhotoshopHost } from "../../plugin/src/hosts/photoshop/photoshop-host";
import { PANDA_XMP_NS, dataOfXmp } from "../../plugin/src/hosts/photoshop/layer-metadata";
import { decodeOrigin } from "../../plugin/src/model/layer-origin";
import { PanelModel } from "../../plugin/src/model/panel-model";
import { Settings } from "../../plugin/src/model/settings";
import { startTestServer, tempDir } from "../helpers/server";
import { FakeDocument, FakePhotoshop } from "../mocks/photoshop";
import { generateTwoImages } from "../panel/panel-fixture";

const face = (value: number) => ({ width: 4, height: 4, rgba: new Uint8Array(64).fill(value) });

describe("the host", () => {
  let ps: FakePhotoshop;
  let host: PhotoshopHost;
  beforeEach(() => {
    ps = new FakePhotoshop();
    host = new PhotoshopHost(ps.api);
  });

  test("a new layer's data goes into its XMP in the same undo step; the active layer answers it", async () => {
    const doc = ps.openDocument("Portrait", 4, 4);
    const data = '{"kind":"image","title":"a <face> & \\"more\\""}';
    const ref = await host.operation("Generate face", (task) => host.addLayer(task, { name: "Face", pixels: face(9), data }));
    const layer = doc.layers.find((l) => String(l.id) === ref.id)!;
    expect(layer.xmp).toContain(`xmlns:panda="${PANDA_XMP_NS}"`);
    expect(layer.xmp).toMatch(/^<x:xmpmeta xmlns:x="adobe:ns:meta\/"><rdf:RDF /);
    expect(dataOfXmp(layer.xmp)).toBe(data);
    expect(doc.history).toEqual(["Generate face"]);
    expect(ps.apis("createPixelLayer", "putPixels", "batchPlay.set")).toEqual(["createPixelLayer", "putPixels", "batchPlay.set"]);
    expect(await host.activeLayer()).toEqual({ ref: { id: ref.id, name: "Face" }, data });
  });

  test("the user's selection in the Layers panel is the active layer; layers without our XMP have no data", async () => {
    const doc = ps.openDocument("Portrait", 4, 4);
    await host.operation("Generate face", (task) => host.addLayer(task, { name: "Face", pixels: face(9), data: "x" }));
    doc.select(doc.layers[0]);
    expect(await host.activeLayer()).toEqual({ ref: { id: String(doc.layers[0].id), name: "Background" }, data: null });
    doc.layers[0].xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description dc:title="by another plugin"/></rdf:RDF></x:xmpmeta>';
    expect((await host.activeLayer())!.data).toBeNull();
  });

  test("hasLayer tells whether the user deleted the layer; no document, no active layer", async () => {
    expect(await host.activeLayer()).toBeNull();
    const doc: FakeDocument = ps.openDocument("Portrait", 4, 4);
    const ref = await host.operation("Generate face", (task) => host.addLayer(task, { name: "Face", pixels: face(9) }));
    expect(await host.hasLayer(ref)).toBe(true);
    await ps.core.executeAsModal(async () => doc.layers.find((l) => String(l.id) === ref.id)!.delete(), { commandName: "user deletes" });
    expect(await host.hasLayer(ref)).toBe(false);
  });
});

describe("the panel in Photoshop", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let data: ReturnType<typeof tempDir>;
  const ps = new FakePhotoshop();
  const webSocket = WebSocket as unknown as WebSocketFactory;
  const newPanel = (photoshop: FakePhotoshop) =>
    new PanelModel({ host: new PhotoshopHost(photoshop.api), createClient: (url) => new HttpPandaClient(url, { webSocket }), settings: new Settings(null), defaultServerUrl: server.url, appearanceThumbnails: 2 });
  let model: PanelModel;

  beforeAll(async () => {
    data = tempDir("panda-data-");
    server = await startTestServer({ dataDir: data.dir });
    model = newPanel(ps);
    await model.connect();
    await generateTwoImages(model);
  });
  afterAll(async () => {
    await server.close();
    data.remove();
  });

  const layerNamed = (doc: FakeDocument, name: string | RegExp) => doc.layers.find((l) => (typeof name === "string" ? l.name === name : name.test(l.name)))!;

  test("with two images, the mask and the edit go to the layer selected in Photoshop", async () => {
    const doc = ps.documents[0];
    doc.select(layerNamed(doc, "tiny-test seed 1"));
    model.selectPart(1);
    await model.partToLayerMask();
    expect(model.state.error).toBeNull();
    expect(layerNamed(doc, "tiny-test seed 1").mask).not.toBeNull();
    expect(layerNamed(doc, "tiny-test seed 2").mask).toBeNull();
    model.selectAppearance(0);
    model.setStrength(model.state.strengthLimit / 2);
    await model.previewIdle();
    await model.applyEdit();
    const edit = layerNamed(doc, /^tiny-test seed 1 · part 1 · appearance 0/);
    expect(decodeOrigin(dataOfXmp(edit.xmp))).toMatchObject({ kind: "edit", seed: 1, edits: [{ parts: [1], appearance: 0 }] });
    expect(doc.layers.some((l) => l.name === "PandA preview")).toBe(false);
  });

  test("selecting another layer in Photoshop updates the panel by itself (an action notification), until unsubscribed", async () => {
    const doc = ps.documents[0];
    const host = new PhotoshopHost(ps.api);
    const followed = newPanel(ps);
    await followed.connect();
    const unsubscribe = host.onChange(() => void followed.syncActiveLayer()); // as mountPanel wires it
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 400 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
      return done();
    };
    doc.select(layerNamed(doc, "tiny-test seed 2"));
    expect(await until(() => followed.state.image?.seed === 2)).toBe(true);
    doc.select(layerNamed(doc, "tiny-test seed 1"));
    expect(await until(() => followed.state.image?.seed === 1 && followed.state.image.layer.name === "tiny-test seed 1")).toBe(true);
    expect(ps.apis("addNotificationListener")).toContain("addNotificationListener");
    unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 0));
    doc.select(layerNamed(doc, "tiny-test seed 2"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await followed.previewIdle();
    expect(followed.state.image?.seed).toBe(1); // no longer listening: nothing followed
  });

  test("a layer PandA did not make gets the clear message", async () => {
    const doc = ps.documents[0];
    doc.select(layerNamed(doc, "Background"));
    await model.syncActiveLayer();
    expect(model.state.image).toBeNull();
    expect(model.state.layerNote).toMatch(/^Not supported: PandA edits images this model generated, and PandA did not make the layer "Background"/);
  });

  test("a reopened PSD (the layers with their XMP) is edited further in a new session", async () => {
    const reopened = new FakePhotoshop();
    const doc = reopened.openDocument("reopened.psd", 16, 16);
    for (const layer of ps.documents[0].layers.filter((l) => l.xmp !== null)) doc.layers.push(layer.clone(doc));
    doc.select(layerNamed(doc, /^tiny-test seed 1 · part 1/));
    const again = newPanel(reopened);
    await again.connect();
    expect(again.state.image).toMatchObject({ seed: 1, model: "tiny-test" });
    expect(again.state).toMatchObject({ factorisationId: model.state.factorisationId, partIndex: 1, appearanceIndex: 0 });
    await again.partToSelection();
    expect(again.state.error).toBeNull();
    // part 1 of the image generated again from the saved latent: the same pixels as the mask made before saving
    expect(Array.from(doc.selection!.data)).toEqual(Array.from(layerNamed(ps.documents[0], "tiny-test seed 1").mask!.data));
    expect(Array.from(doc.selection!.data).some((v) => v === 255)).toBe(true);
  });
});
