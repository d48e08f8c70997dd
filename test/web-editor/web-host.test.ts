/** WebHost over the editor's store, in node: transactions, placement, masks, selection, errors. */
import { EditorStore } from "../../plugin/src/editor/store";
import { ProgressDisplay, WebHost } from "../../plugin/src/hosts/web/web-host";

function setup() {
  const store = new EditorStore();
  const shown: string[] = [];
  const progress: ProgressDisplay = {
    startProgress: () => ({ update: () => undefined, cancelled: false, done: () => undefined }),
    show: (text) => void shown.push(text),
  };
  return { store, host: new WebHost(store, progress), shown };
}

const rgba = (width: number, height: number, value = 200) => ({ width, height, rgba: new Uint8Array(width * height * 4).fill(value) });
const gray = (width: number, height: number, value = 255) => ({ width, height, gray: new Uint8Array(width * height).fill(value) });

test("the first layer makes the document; a placement resizes with the stated method and says so", async () => {
  const { store, host, shown } = setup();
  expect(await host.document()).toBeNull();
  const face = await host.operation("Generate", (task) => host.addLayer(task, { name: "Face", pixels: rgba(4, 4) }));
  expect(await host.document()).toEqual({ width: 4, height: 4, title: "Face" });
  await host.operation("Generate", (task) => host.addLayer(task, { name: "Big", pixels: rgba(2, 2), mask: gray(2, 2, 7), placement: { width: 4, height: 4, resample: "nearest" } }));
  const big = store.doc!.layers[1];
  expect([big.pixels.width, big.x, big.y, big.mask!.image.width, big.mask!.image.gray[15]]).toEqual([4, 0, 0, 4, 7]);
  await host.operation("Generate", (task) => host.addLayer(task, { name: "Small", pixels: rgba(2, 2) }));
  expect(shown).toEqual(['Scaled layer "Big" from 2×2 to 4×4 (nearest)', 'Layer "Small" (2×2) is at the top-left of the 4×4 image']);
  store.undo();
  expect(store.undo()).toBe("Generate");
  expect(store.doc!.layers.map((l) => l.id)).toEqual([face.id]);
});

test("pixels are copied in and out", async () => {
  const { store, host } = setup();
  const pixels = rgba(2, 2, 9);
  const ref = await host.operation("Add", (task) => host.addLayer(task, { name: "L", pixels }));
  pixels.rgba.fill(0);
  const read = await host.operation("Read", (task) => host.readLayer(task, ref));
  read.rgba.fill(1);
  expect(store.doc!.layers[0].pixels.rgba[0]).toBe(9);
  expect(store.undoTitle).toBe("Add"); // reading is no undo step
});

test("a mask must fit its layer; a smaller selection covers the top-left", async () => {
  const { store, host } = setup();
  const ref = await host.operation("Add", (task) => host.addLayer(task, { name: "L", pixels: rgba(4, 2) }));
  await expect(host.operation("Mask", (task) => host.setLayerMask(task, ref, gray(2, 2)))).rejects.toThrow('a mask of 2×2 does not fit layer "L" (4×2): pass a placement of 4×2');
  await host.operation("Mask", (task) => host.setLayerMask(task, ref, gray(2, 1, 128), { width: 4, height: 2 }));
  expect(store.doc!.layers[0].mask!.image.gray).toEqual(new Uint8Array(8).fill(128));
  await host.operation("Select", (task) => host.setSelection(task, gray(2, 1)));
  expect(Array.from(store.doc!.selection!.gray)).toEqual([255, 255, 0, 0, 0, 0, 0, 0]);
});

test("operations run one at a time and a failed one leaves the document as it was", async () => {
  const { store, host } = setup();
  const order: string[] = [];
  const slow = host.operation("Slow", async (task) => {
    await new Promise((r) => setTimeout(r, 30));
    order.push("slow");
    return host.addLayer(task, { name: "A", pixels: rgba(1, 1) });
  });
  const fast = host.operation("Fast", async () => void order.push("fast"));
  const failing = host.operation("Fail", async (task) => {
    await host.addLayer(task, { name: "B", pixels: rgba(1, 1) });
    throw new Error("boom");
  });
  await Promise.all([slow, fast, expect(failing).rejects.toThrow("boom")]);
  expect(order).toEqual(["slow", "fast"]);
  expect(store.doc!.layers.map((l) => l.name)).toEqual(["A"]);
  expect(store.busy).toBe(false);
});

test("updates of a layer join the step that made it; stale tasks and refs are refused", async () => {
  const { store, host } = setup();
  let kept: Parameters<Parameters<typeof host.operation>[1]>[0] | null = null;
  const ref = await host.operation("Preview", async (task) => {
    kept = task;
    return host.addLayer(task, { name: "P", pixels: rgba(2, 2) });
  });
  await host.operation("Preview", (task) => host.updateLayer(task, ref, rgba(2, 2, 50)));
  await host.operation("Preview", (task) => host.updateLayer(task, ref, rgba(3, 3, 60)));
  expect(store.doc!.layers[0].pixels.width).toBe(3);
  await expect(host.readLayer(kept!)).rejects.toThrow(/inside host.operation/);
  expect(store.undo()).toBe("Preview");
  expect(store.doc).toBeNull();
  await expect(host.operation("Update", (task) => host.updateLayer(task, ref, rgba(2, 2)))).rejects.toThrow(/no document is open/);
});
