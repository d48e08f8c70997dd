/**
 * The appearance browser route: appearances ranked for a part by where they are present (checked
 * against the definition computed here from the image's own features), previews that are the very
 * pixels of POST /edits at the preview strength, one tail run per page, cached pages, bad input.
 */
import { decodePng } from "../../companion-server/src/runtime/image-codec";
import { PREVIEW_STRENGTH } from "../../companion-server/src/api/strength";
import { AppearanceBrowser } from "../../companion-server/src/api/image-parts";
import { TINY_LAYER } from "../engine/product/fixtures";
import { RUN_IMAGES } from "../../companion-server/src/runtime/tail-renderer";
import { PLANTED, ProductApp, productAppWithImage } from "./product-app";

let p: ProductApp;
let image: string;
beforeAll(async () => ({ p, image } = await productAppWithImage(7)));
afterAll(() => p.close());

const browse = (payload: object) => p.app.inject({ method: "POST", url: `/api/images/${image}/appearances`, payload: { factorisation: PLANTED, ...payload } });

/** Per appearance, mean normalised coordinate in the top-left quadrant minus the mean elsewhere (A = I: coordinates are Z). */
function expectedScores(): number[] {
  const z = p.app.images.get(image)!.features.get(TINY_LAYER)!.features;
  const { min, max } = p.planted.saliency;
  return Array.from({ length: 16 }, (_, c) => {
    let inside = 0;
    let outside = 0;
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        const v = Math.min(1, Math.max(0, (z[c * 16 + y * 4 + x] - min[c]) / (max[c] - min[c])));
        if (x < 2 && y < 2) inside += v / 4;
        else outside += v / 12;
      }
    }
    return inside - outside;
  });
}

it("ranks every appearance by how much more it is present in the part than outside it", async () => {
  const res = await browse({ parts: [0], limit: 16 });
  expect(res.statusCode).toBe(200);
  const body = res.json() as AppearanceBrowser;
  expect(body).toMatchObject({ image, factorisation: PLANTED, parts: [0], strength: PREVIEW_STRENGTH, total: 16 });
  const scores = expectedScores();
  const order = scores.map((_, c) => c).sort((a, b) => scores[b] - scores[a] || a - b);
  expect(body.appearances.map((a) => a.appearance)).toEqual(order);
  expect(body.appearances.map((a) => a.rank)).toEqual(order.map((_, i) => i));
  for (const a of body.appearances) expect(a.score).toBeCloseTo(scores[a.appearance], 5);
  // another part, another order
  const other = (await browse({ parts: [3], limit: 16 })).json() as AppearanceBrowser;
  expect(other.appearances.map((a) => a.appearance)).not.toEqual(order);
});

it("previews are the edited image: the same pixels as POST /edits at the preview strength, changed mostly inside the part", async () => {
  const body = (await browse({ parts: [0], limit: 3 })).json() as AppearanceBrowser;
  for (const a of body.appearances) {
    const preview = decodePng(Buffer.from(a.preview.png, "base64"));
    expect([preview.width, preview.height, a.preview.width, a.preview.height]).toEqual([16, 16, 16, 16]);
    const edit = await p.app.inject({
      method: "POST",
      url: `/api/images/${image}/edits`,
      payload: { factorisation: PLANTED, edits: [{ parts: [0], appearance: a.appearance, strength: PREVIEW_STRENGTH }] },
      headers: { accept: "application/octet-stream" },
    });
    expect(Buffer.compare(Buffer.from(preview.rgba), edit.rawPayload)).toBe(0);
    expect(a.preview.change.inside).toBeGreaterThan(2 * a.preview.change.outside);
  }
});

it("renders a page in runs of four images of the tail (a preview frame waits for one run at most), and serves a page seen before from its cache", async () => {
  const tail = jest.spyOn(p.app.generators.get("tiny-test")!, "tailRgba");
  try {
    const first = (await browse({ parts: [1], offset: 0, limit: 12 })).json() as AppearanceBrowser;
    expect(tail.mock.calls.map((call) => [call[0].count, call[1]?.interactive ?? false])).toEqual([[RUN_IMAGES, false], [RUN_IMAGES, false], [RUN_IMAGES, false]]);
    const again = (await browse({ parts: [1], offset: 0, limit: 12 })).json() as AppearanceBrowser;
    expect(tail).toHaveBeenCalledTimes(3);
    expect(again).toEqual(first);
    const rest = (await browse({ parts: [1], offset: 12, limit: 12 })).json() as AppearanceBrowser;
    expect(rest.appearances.map((a) => a.rank)).toEqual([12, 13, 14, 15]);
    expect(tail).toHaveBeenCalledTimes(4);
    expect(tail.mock.calls[3][0].count).toBe(4);
  } finally {
    tail.mockRestore();
  }
});

it("previews chosen appearances (the user's favourites) with their ranks, shrunk to the asked size", async () => {
  const body = (await browse({ parts: [0, 1], appearances: [9, 2], size: 8, strength: -1 })).json() as AppearanceBrowser;
  expect(body.strength).toBe(-1);
  expect(body.appearances.map((a) => a.appearance)).toEqual([9, 2]);
  const ranking = ((await browse({ parts: [0, 1], limit: 16 })).json() as AppearanceBrowser).appearances.map((a) => a.appearance);
  expect(body.appearances.map((a) => a.rank)).toEqual([ranking.indexOf(9), ranking.indexOf(2)]);
  const small = decodePng(Buffer.from(body.appearances[0].preview.png, "base64"));
  expect([small.width, small.height]).toEqual([8, 8]);
});

it.each([
  ["an unknown appearance", { parts: [0], appearances: [16] }, 400, /no appearance 16/],
  ["an unknown part", { parts: [5] }, 400, /no part 5/],
  ["a page too large", { parts: [0], limit: 49 }, 400, /limit/],
  ["a strength beyond the slider", { parts: [0], strength: 9 }, 400, /strength/],
  ["an unknown factorisation", { parts: [0], factorisation: "nope" }, 404, /no factorisation "nope"/],
])("refuses %s", async (_name, payload, status, message) => {
  const res = await browse(payload);
  expect(res.statusCode).toBe(status);
  expect(res.json().message).toMatch(message);
});
