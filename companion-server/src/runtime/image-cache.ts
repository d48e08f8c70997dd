/**
 * Generated images with what later edits need (latent, truncation, feature maps per layer),
 * in a bounded least-recently-used cache so a long session cannot grow without limit.
 */
import { randomUUID } from "node:crypto";
import { FeatureBatch } from "./generator";
import { RgbaImage } from "./image-codec";

export interface CachedImage {
  id: string;
  model: string;
  seed: number | null;
  latent: Float32Array;
  truncation: number;
  image: RgbaImage;
  /** feature maps of this one image, per layer id, filled on first use */
  features: Map<string, FeatureBatch>;
}

export class ImageCache {
  private readonly entries = new Map<string, CachedImage>();

  constructor(readonly capacity = 64) {}

  add(entry: Omit<CachedImage, "id" | "features">, features?: FeatureBatch): CachedImage {
    const cached: CachedImage = { ...entry, id: randomUUID(), features: new Map() };
    if (features) cached.features.set(features.layer, features);
    this.entries.set(cached.id, cached);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return cached;
  }

  /** Returns the entry and marks it most recently used. */
  get(id: string): CachedImage | undefined {
    const entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }
}
