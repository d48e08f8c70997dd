/**
 * The generator's tail for one image's edits: features of `count` edited copies of the image
 * (N·C·H·W) → their RGBA images, with that image's auxiliary tensors repeated for each copy, in
 * runs of up to RUN_IMAGES copies (the appearance browser renders a page of previews so) that also
 * convert them to RGBA (Generator.tailRgba).
 */
import { FeatureBatch, Generator, TailOptions } from "./generator";
import { RgbaImage } from "./image-codec";

export type TailRenderer = (features: Float32Array, count: number, options?: TailOptions) => Promise<RgbaImage[]>;

/**
 * Images per run: a live preview's frame (an interactive run) waits for at most one such run of a
 * page of previews, not the whole page (twelve 256-px images took seconds under load), while a
 * batch of four still runs about as fast per image as one of twelve.
 */
export const RUN_IMAGES = 4;

/** `image` is the one-image batch the edits start from. */
export function tailRenderer(generator: Generator, image: FeatureBatch): TailRenderer {
  const size = image.features.length / image.count;
  return async (features, count, options) => {
    const images: RgbaImage[] = [];
    for (let first = 0; first < count; first += RUN_IMAGES) {
      const n = Math.min(RUN_IMAGES, count - first);
      const auxiliary: Record<string, Float32Array> = {};
      for (const [name, values] of Object.entries(image.auxiliary)) {
        const repeated = new Float32Array(values.length * n);
        for (let i = 0; i < n; i++) repeated.set(values, i * values.length);
        auxiliary[name] = repeated;
      }
      const run = await generator.tailRgba({ layer: image.layer, count: n, features: features.subarray(first * size, (first + n) * size), auxiliary }, options);
      images.push(...run.images);
    }
    return images;
  };
}
