/**
 * The generator's tail for one image's edits: features of `count` edited copies of the image
 * (N·C·H·W) → their RGBA images, with that image's auxiliary tensors repeated for each copy, in
 * one session run (the appearance browser renders a page of previews at once) that also converts
 * them to RGBA (Generator.tailRgba).
 */
import { FeatureBatch, Generator, TailOptions } from "./generator";
import { RgbaImage } from "./image-codec";

export type TailRenderer = (features: Float32Array, count: number, options?: TailOptions) => Promise<RgbaImage[]>;

/** `image` is the one-image batch the edits start from. */
export function tailRenderer(generator: Generator, image: FeatureBatch): TailRenderer {
  return async (features, count, options) => {
    const auxiliary: Record<string, Float32Array> = {};
    for (const [name, values] of Object.entries(image.auxiliary)) {
      const repeated = new Float32Array(values.length * count);
      for (let i = 0; i < count; i++) repeated.set(values, i * values.length);
      auxiliary[name] = repeated;
    }
    return (await generator.tailRgba({ layer: image.layer, count, features, auxiliary }, options)).images;
  };
}
