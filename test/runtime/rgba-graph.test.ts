/**
 * The image tensor → RGBA graph that runs after every tail on the ONNX Runtime thread: byte for
 * byte what tensorToRgba computes (halves rounded to even, clamped, NaN → 0, gray repeated), and
 * Generator.tailRgba gives the tail's images, full and draft, as tensorToRgba made them.
 */
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { DEFAULT_MODELS_DIR } from "../../companion-server/src/cli/paths";
import { loadBundle } from "../../companion-server/src/runtime/bundle-loader";
import { SessionFactory } from "../../companion-server/src/runtime/execution-providers";
import { Generator } from "../../companion-server/src/runtime/generator";
import { tensorToRgba } from "../../companion-server/src/runtime/image-codec";
import { sampleLatents } from "../../companion-server/src/runtime/random";
import { rgbaConverterGraph } from "../../companion-server/src/onnx/rgba-graph";
import { tinyModelsDir } from "../helpers/server";

const factory = new SessionFactory();
afterAll(() => factory.close());

async function convert(values: number[], channels: number, width: number, range: [number, number]): Promise<Uint8Array> {
  const session = await factory.create(rgbaConverterGraph(channels, range));
  const image = new ort.Tensor("float32", Float32Array.from(values), [1, channels, 1, width]);
  const out = await session.run({ image });
  expect(out.rgba.dims).toEqual([1, 1, width, 4]);
  expect(out.rgba.type).toBe("uint8");
  return out.rgba.data as Uint8Array;
}

it("rounds halves to even, clamps, maps NaN to 0 and sets alpha, as tensorToRgba does", async () => {
  // range 0…255: the values themselves; every red/green/blue plane gets the same awkward values
  const plane = [0.5, 1.5, 2.5, 254.5, 255.5, -0.4, -3, 300, Number.NaN, 127.49999];
  const values = [...plane, ...plane.map((v) => v + 1), ...plane.map((v) => v - 1)];
  const got = await convert(values, 3, plane.length, [0, 255]);
  const expected = tensorToRgba(Float32Array.from(values), 0, 3, plane.length, 1, [0, 255]).rgba;
  expect(Array.from(got)).toEqual(Array.from(expected));
  expect(Array.from(got.subarray(0, 12))).toEqual([0, 2, 0, 255, 2, 2, 0, 255, 2, 4, 2, 255]);
});

it("takes the generator's usual range in float64 (no float32 rounding of (v + 1)·127.5), and a gray model's one plane", async () => {
  const values = Array.from({ length: 4096 }, (_, i) => Math.fround(-1.2 + (2.4 * i) / 4095 + 1e-7 * Math.sin(i)));
  const colour = await convert([...values, ...values.slice().reverse(), ...values.map((v) => -v)], 3, 4096, [-1, 1]);
  expect(Array.from(colour)).toEqual(Array.from(tensorToRgba(Float32Array.from([...values, ...values.slice().reverse(), ...values.map((v) => -v)]), 0, 3, 4096, 1, [-1, 1]).rgba));
  const gray = await convert(values, 1, 4096, [-1, 1]);
  expect(Array.from(gray)).toEqual(Array.from(tensorToRgba(Float32Array.from(values), 0, 1, 4096, 1, [-1, 1]).rgba));
});

describe("Generator.tailRgba", () => {
  let models: { dir: string; remove: () => void };
  beforeAll(async () => (models = await tinyModelsDir()));
  afterAll(() => models.remove());

  const expectImages = (images: { width: number; height: number; rgba: Uint8Array }[], data: Float32Array, g: Generator) => {
    const m = g.manifest.image;
    images.forEach((image, i) => expect(Buffer.compare(Buffer.from(image.rgba), Buffer.from(tensorToRgba(data, i, m.channels, m.width, m.height, m.range).rgba))).toBe(0));
  };

  it("gives a batch's images, each in a buffer of its own, as the tail and tensorToRgba give them", async () => {
    const tiny = new Generator(loadBundle(join(models.dir, "tiny-test")), factory);
    const batch = await tiny.head("4x4", sampleLatents("normal", tiny.manifest.latent.size, 3, 3), 3);
    const { images, draft } = await tiny.tailRgba(batch);
    expect([images.length, draft]).toEqual([3, false]);
    expect(new Set(images.map((i) => i.rgba.buffer)).size).toBe(3);
    expect(images.every((i) => i.rgba.byteLength === i.rgba.buffer.byteLength)).toBe(true);
    expectImages(images, (await tiny.tail(batch)).data, tiny);
  });

  it("runs the default model's draft, scaled up to 256×256, the same bytes as its float output converted", async () => {
    const faces = new Generator(loadBundle(join(DEFAULT_MODELS_DIR, "synthfaces")), factory);
    const batch = await faces.head("8x8", sampleLatents("normal", faces.manifest.latent.size, 11, 1), 1);
    const drafted = await faces.tailRgba(batch, { draft: true });
    expect([drafted.draft, drafted.images[0].width, drafted.images[0].height]).toEqual([true, 256, 256]);
    expectImages(drafted.images, (await faces.tail(batch, { draft: true })).data, faces);
    expectImages((await faces.tailRgba(batch)).images, (await faces.tail(batch)).data, faces);
    await faces.release();
  });
});
