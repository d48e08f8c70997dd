/**
 * Generated images with what later edits need (latent, truncation, feature maps per layer), in a
 * least-recently-used cache bounded by bytes: at 1024 px one entry holds a 4 MiB image and 8 MiB
 * of 64×64 features, so a count alone would let a session grow to gigabytes.
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
  /** feature maps of this one image, per layer id, filled on first use through `addFeatures` */
  features: Map<string, FeatureBatch>;
}

/** Default bound: 512 MiB of images and features. */
export const DEFAULT_IMAGE_CACHE_BYTES = 512 * 2 ** 20;

function batchBytes(batch: FeatureBatch): number {
  return batch.features.byteLength + Object.values(batch.auxiliary).reduce((sum, a) => sum + a.byteLength, 0);
}

export function entryBytes(entry: CachedImage): number {
  let bytes = entry.latent.byteLength + entry.image.rgba.byteLength;
  for (const batch of entry.features.values()) bytes += batchBytes(batch);
  return bytes;
}

export class ImageCache {
  private readonly entries = new Map<string, CachedImage>();
  private total = 0;

  constructor(readonly capacityBytes = DEFAULT_IMAGE_CACHE_BYTES) {}

  add(entry: Omit<CachedImage, "id" | "features">, features?: FeatureBatch): CachedImage {
    const cached: CachedImage = { ...entry, id: randomUUID(), features: new Map() };
    if (features) cached.features.set(features.layer, features);
    this.entries.set(cached.id, cached);
    this.total += entryBytes(cached);
    this.evict(cached);
    return cached;
  }

  /** Keeps an image's feature maps at another layer, counting them against the bound. */
  addFeatures(entry: CachedImage, batch: FeatureBatch): void {
    const old = entry.features.get(batch.layer);
    entry.features.set(batch.layer, batch);
    if (!this.entries.has(entry.id)) return;
    this.total += batchBytes(batch) - (old ? batchBytes(old) : 0);
    this.evict(entry);
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

  /** Bytes held by the cached images and their features. */
  get bytes(): number {
    return this.total;
  }

  /** Drops least recently used entries over the bound, never the one just added or used. */
  private evict(keep: CachedImage): void {
    for (const [id, entry] of this.entries) {
      if (this.total <= this.capacityBytes) break;
      if (entry === keep) continue;
      this.entries.delete(id);
      this.total -= entryBytes(entry);
    }
  }
}
