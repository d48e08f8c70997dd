import type { GrayImage, PixelImage } from "../../plugin/src/hosts/host";
import { LivePreview, PREVIEW_LAYER_NAME, PreviewFrame } from "../../plugin/src/model/live-preview";
import { PlacedLayers } from "../../plugin/src/model/placed-layers";
import { MockHost } from "./mock-host";

const pixels = (v: number): PixelImage => ({ width: 2, height: 1, rgba: new Uint8Array(8).fill(v) });
const mask = (v: number): GrayImage => ({ width: 2, height: 1, gray: new Uint8Array(2).fill(v) });

/** the preview goes where its image went: 4× with bicubic pixels and bilinear masks */
const placement = { pixels: { width: 8, height: 4, resample: "bicubic" as const }, masks: { width: 8, height: 4, resample: "bilinear" as const }, description: "placed at 8×4, bicubic" };

function preview(host: MockHost) {
  const shown: number[] = [];
  const maskFetches: string[] = [];
  const render = async (value: number): Promise<PreviewFrame> => {
    const key = value < 10 ? "part-a" : "part-b";
    return { pixels: pixels(value), maskKey: key, mask: async () => (maskFetches.push(key), mask(value < 10 ? 100 : 200)), layers: new PlacedLayers(host, placement) };
  };
  return { live: new LivePreview(host, render, (v) => shown.push(v), (err) => { throw err; }), shown, maskFetches };
}

test("one layer: added on the first frame, then updated in place; the mask only when its key changes", async () => {
  const host = new MockHost();
  const { live, shown, maskFetches } = preview(host);
  live.push(1);
  await live.idle();
  live.push(2);
  await live.idle();
  expect(host.layers).toHaveLength(1);
  expect(host.layers[0]).toMatchObject({ name: PREVIEW_LAYER_NAME, updates: 1 });
  expect(Array.from(host.layers[0].pixels.rgba)).toEqual(Array(8).fill(2));
  expect(maskFetches).toEqual(["part-a"]);

  live.push(12); // another part: the mask follows
  await live.idle();
  expect(maskFetches).toEqual(["part-a", "part-b"]);
  expect(Array.from(host.layers[0].mask!.gray)).toEqual([200, 200]);
  expect(shown).toEqual([1, 2, 12]);
  // every call of the preview carries the image's placement
  expect(host.calls.map((c) => [c.call, c.placement])).toEqual([
    ["addLayer", placement.pixels],
    ["setLayerMask", placement.masks],
    ["updateLayer", placement.pixels],
    ["updateLayer", placement.pixels],
    ["setLayerMask", placement.masks],
  ]);
});

test("after release, the next frame starts a new layer", async () => {
  const host = new MockHost();
  const { live } = preview(host);
  live.push(1);
  await live.idle();
  expect(live.release()?.name).toBe(PREVIEW_LAYER_NAME);
  expect(live.release()).toBeNull();
  live.push(3);
  await live.idle();
  expect(host.layers.filter((l) => l.name === PREVIEW_LAYER_NAME)).toHaveLength(2);
});

/** A promise with its resolve, to hold a step until the test lets it go. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
const settle = () => new Promise((r) => setTimeout(r, 0));

test("pipelined: the next request goes out while a frame is drawn, and a frame overtaken before its turn is never drawn", async () => {
  const host = new MockHost();
  const documentFree = deferred();
  const operation = host.operation.bind(host);
  // the document is busy (e.g. a slow redraw) until the test frees it
  host.operation = async (title, work) => (await documentFree.promise, operation(title, work));
  const requested: number[] = [];
  const answers = new Map<number, ReturnType<typeof deferred<PreviewFrame>>>();
  const render = (value: number) => {
    requested.push(value);
    answers.set(value, deferred<PreviewFrame>());
    return answers.get(value)!.promise;
  };
  const frame = (v: number): PreviewFrame => ({ pixels: pixels(v), maskKey: "part", mask: async () => mask(1), layers: new PlacedLayers(host, placement) });
  const shown: [number, number, number][] = [];
  const live = new LivePreview(host, render, (v, t) => shown.push([v, t.requestMs, t.drawMs]), (err) => { throw err; });

  live.push(1);
  answers.get(1)!.resolve(frame(1));
  await settle();
  live.push(2); // frame 1 waits for the document; the request for 2 goes out at once
  expect(requested).toEqual([1, 2]);
  live.push(3);
  live.push(4); // while 2 is in flight: only the newest goes next
  answers.get(2)!.resolve(frame(2));
  await settle();
  expect(requested).toEqual([1, 2, 4]);
  answers.get(4)!.resolve(frame(4)); // frame 4 arrives before frame 2 had its turn: 2 is dropped
  await settle();
  documentFree.resolve();
  await live.idle();
  expect(shown.map(([v]) => v)).toEqual([1, 4]);
  expect(Array.from(host.layers[0].pixels.rgba)).toEqual(Array(8).fill(4));
  expect(host.layers[0].updates).toBe(1);
  for (const [, requestMs, drawMs] of shown) expect(Math.min(requestMs, drawMs)).toBeGreaterThanOrEqual(0);
});

describe("drafts", () => {
  /** A renderer that makes drafts (pixels = value) or full frames (pixels = value + 100), as the server's draft tail does; `drafts: false` as a model without one. */
  function drafting(host: MockHost, drafts = true) {
    const requested: [number, boolean][] = [];
    const shown: [number, boolean][] = [];
    const render = async (value: number, draft: boolean): Promise<PreviewFrame> => {
      requested.push([value, draft]);
      const isDraft = draft && drafts;
      return { pixels: pixels(isDraft ? value : value + 100), maskKey: "part", mask: async () => mask(1), layers: new PlacedLayers(host, placement), draft: isDraft };
    };
    const live = new LivePreview(host, render, (v, t) => shown.push([v, t.draft]), (err) => { throw err; });
    return { live, requested, shown };
  }
  const shownPixels = (host: MockHost) => host.layers[0].pixels.rgba[0];

  test("a value that is not moving (a key press, a click) shows its draft, then its full frame", async () => {
    const host = new MockHost();
    const { live, requested, shown } = drafting(host);
    live.push(5);
    await live.idle();
    expect(requested).toEqual([[5, true], [5, false]]);
    expect(shown).toEqual([[5, true], [5, false]]);
    expect(shownPixels(host)).toBe(105);
  });

  test("a drag shows drafts only; letting go brings the full frame of where it ended, once", async () => {
    const host = new MockHost();
    const { live, requested, shown } = drafting(host);
    for (const v of [1, 2, 3]) {
      live.push(v, { moving: true });
      await live.idle();
    }
    expect(requested).toEqual([[1, true], [2, true], [3, true]]);
    expect(shownPixels(host)).toBe(3);
    live.settle();
    live.settle(); // a second release (pointerup, then the slider's change event) asks nothing more
    await live.idle();
    expect(requested).toEqual([[1, true], [2, true], [3, true], [3, false]]);
    expect(shown.at(-1)).toEqual([3, false]);
    expect(shownPixels(host)).toBe(103);
  });

  test("a value overtaken while its draft is in flight gets no full frame; the newest does", async () => {
    const host = new MockHost();
    const { live, requested } = drafting(host);
    live.push(1);
    live.push(2); // while 1's draft is in flight
    await live.idle();
    expect(requested).toEqual([[1, true], [2, true], [2, false]]);
    expect(shownPixels(host)).toBe(102);
  });

  test("a renderer without drafts renders each value once, also when a drag lets go", async () => {
    const host = new MockHost();
    const { live, requested, shown } = drafting(host, false);
    live.push(1);
    await live.idle();
    live.push(2, { moving: true });
    await live.idle();
    live.settle();
    await live.idle();
    expect(requested).toEqual([[1, true], [2, true]]);
    expect(shown).toEqual([[1, false], [2, false]]);
    expect(shownPixels(host)).toBe(102);
  });
});
