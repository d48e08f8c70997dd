/**
 * The generator's tail for one image's edits: features of `count` edited copies of the image
 * (N·C·H·W) → their RGBA images, with that image's auxiliary tensors repeated for each copy, in
 * one session run (the appearance browser renders a page of previews at once).
 */
import { FeatureBatch, Generator, TailOptions } from "./generator";
import { RgbaImage, tensorToRgba } from "./image-codec";

export type TailRenderer = (features: Float32Array, count: number, options?: TailOptions) => Promise<RgbaImage[]>;

/** tensorToRgba's signature, wherever it runs (the server runs it on an imaging thread). */
export type RgbaConverter = (data: Float32Array, index: number, channels: number, width: number, height: number, range: readonly [number, number]) => RgbaImage | Promise<RgbaImage>;

/** `image` is the one-image batch the edits start from. */
export function tailRenderer(generator: Generator, image: FeatureBatch, toRgba: RgbaConverter = tensorToRgba): TailRenderer {
  const m = generator.manifest.image;
  return async (features, count, options) => {
    const auxiliary: Record<string, Float32Array> = {};
    for (const [name, values] of Object.entries(image.auxiliary)) {
      const repeated = new Float32Array(values.length * count);
      for (let i = 0; i < count; i++) repeated.set(values, i * values.length);
      auxiliary[name] = repeated;
    }
    const out = await generator.tail({ layer: image.layer, count, features, auxiliary }, options);
    return Promise.all(Array.from({ length: count }, (_, i) => toRgba(out.data, i, m.channels, m.width, m.height, m.range)));
  };
}
