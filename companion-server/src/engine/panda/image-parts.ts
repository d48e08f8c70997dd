/**
 * Everything the product does with one image and one factorisation — masks, part thumbnails,
 * saliency, edits, removal — over values computed once and kept (the coordinates AᵀZ and the
 * parts' maps at image size), so a client dragging a strength slider pays only for Z' and the
 * generator's tail. Routes and the CLI both use it; neither knows the math.
 */
import type { RgbaImage } from "../imaging/rgba";
import { Factors } from "./types";
import { SpatialMap } from "./maps";
import { binaryMask, imagePartMaps, PartMaps, partLabels, softMask } from "./masks";
import { clampPlane, EdgeAwareOptions, feather, MapKind, MapUpsampler, Upsampling } from "../imaging/mask-upsampling";
import { coordinates, FeatureSaliency, Saliency, saliencyAtFeatures, saliencyAtImageSize, SaliencyStats, saliencyThreshold } from "./saliency";
import { applyEdits, Edit, editRegion, editsRegion } from "./edits";
import { Background, PixelFill, removeInFeatures, removeInPixels } from "./removal";
import { overlayPart, partColour } from "./overlay";
import { AppearanceRank, PixelChange, pixelChange, rankAppearances } from "./appearance-ranking";
import type { TailRenderer } from "../../runtime/tail-renderer";
import type { TailOptions } from "../../runtime/generator";
import { StepTimings } from "../../util/step-timings";

/** A factorisation as the product uses it: the factors and what was saved with them. */
export interface FactorisationModel {
  factors: Factors;
  saliency: SaliencyStats;
  background: Background;
}

export type { TailRenderer };

export class FactorIndexError extends Error {
  constructor(
    readonly kind: "part" | "appearance",
    readonly index: number,
    readonly count: number,
  ) {
    super(`there is no ${kind} ${index}; this factorisation has ${count} ${kind}s (0 … ${count - 1})`);
  }
}

export type MaskKind = "soft" | "binary";

/** How feature-resolution maps reach image size; edge-aware (the image as guide) unless asked otherwise. */
export const DEFAULT_UPSAMPLING: Upsampling = "edge-aware";

export interface MaskOptions {
  /** binary only: the soft union ≥ threshold instead of argmax over parts */
  threshold?: number;
  upsampling?: Upsampling;
  /** width in pixels of a soft edge put on the mask (0: none) */
  feather?: number;
}
export type RemovalMethod = "feature" | "pixel";

export interface RenderedEdit {
  image: RgbaImage;
  /** the region edited or removed, 0…1 at image size */
  region: SpatialMap;
}

/** One appearance's edit of the part, rendered: the appearance browser's preview. */
export interface AppearancePreview {
  appearance: number;
  image: RgbaImage;
  /** measured on the pixels, against the soft mask of the parts */
  change: PixelChange;
}

/** The mask of a union of parts from every part's map at image size (the server's imaging threads call it too). */
export function maskOf(maps: PartMaps, parts: readonly number[], kind: MaskKind, options: Omit<MaskOptions, "upsampling"> = {}): SpatialMap {
  const mask = kind === "soft" ? softMask(maps, parts) : binaryMask(maps, parts, options.threshold);
  return options.feather ? feather(mask, options.feather) : mask;
}

/** Each part as a coloured overlay on the image, in part order. */
export function partThumbnails(maps: PartMaps, image: RgbaImage): RgbaImage[] {
  return maps.scaled.map((map, k) => overlayPart(map, partColour(k), image));
}

/** Each part's share of the image's pixels, where it is the strongest part (argmax labels). */
export function partCoverage(maps: PartMaps): number[] {
  const labels = partLabels(maps);
  const counts = new Array<number>(maps.raw.length).fill(0);
  for (const l of labels) counts[l]++;
  return counts.map((c) => c / labels.length);
}

/** What each edited image changed against the original, inside and outside the parts' soft mask (pixelChange). */
export function changesInside(original: RgbaImage, edited: readonly RgbaImage[], softMask: SpatialMap): PixelChange[] {
  return edited.map((image) => pixelChange(original, image, softMask));
}

/** changesInside for the previews of a part set, wherever it runs (the server runs it on an imaging thread, with the part maps it keeps). */
export type PixelChanges = (edited: readonly RgbaImage[]) => Promise<PixelChange[]>;

/** removeInFeatures, wherever it runs (the server runs it on an imaging thread, off its event loop). */
export type FeatureRemover = (...args: Parameters<typeof removeInFeatures>) => ReturnType<typeof removeInFeatures> | Promise<ReturnType<typeof removeInFeatures>>;

export class ImageParts {
  private coordsCache?: Float32Array;
  private readonly mapsCache = new Map<Upsampling, PartMaps>();
  /** appearance rankings by part set (R_C numbers each) */
  private readonly rankings = new Map<string, AppearanceRank[]>();
  /** edited regions at image size, by the edits' part sets: strengths do not change them */
  private readonly regionCache = new Map<string, SpatialMap>();
  private readonly upsampler: MapUpsampler;

  constructor(
    readonly model: FactorisationModel,
    /** this image's feature map at the factorisation's layer, C·S values */
    readonly features: Float32Array,
    readonly image: RgbaImage,
    private readonly render: TailRenderer,
    /** P refined for this image (S·R_S), when asked for */
    readonly refinedParts?: Float32Array,
    edgeAware: EdgeAwareOptions = {},
  ) {
    this.upsampler = new MapUpsampler(image, edgeAware);
  }

  private get factors(): Factors {
    return this.model.factors;
  }

  /** AᵀZ (R_C·S), computed on first use. */
  get coordinates(): Float32Array {
    return (this.coordsCache ??= coordinates(this.factors, this.features));
  }

  get hasCoordinates(): boolean {
    return this.coordsCache !== undefined;
  }

  /** AᵀZ computed elsewhere by `coordinates` (the server runs it on an imaging thread), kept as if computed here. */
  provideCoordinates(coords: Float32Array): void {
    const expected = this.factors.appearancesRank * this.factors.shape.height * this.factors.shape.width;
    if (coords.length !== expected) throw new Error(`provideCoordinates: AᵀZ has ${expected} values here, got ${coords.length}`);
    this.coordsCache = coords;
  }

  /** A feature-resolution map at image size. */
  upsample(map: SpatialMap, upsampling: Upsampling = DEFAULT_UPSAMPLING, kind: MapKind = "mask"): SpatialMap {
    return this.upsampler.upsample(map, upsampling, kind);
  }

  /**
   * Every part's map at image size (raw and scaled), computed on first use per upsampling. Refined
   * parts are then fitted to this image's colours too, so their boundaries follow this face.
   */
  partMaps(upsampling: Upsampling = DEFAULT_UPSAMPLING): PartMaps {
    let maps = this.mapsCache.get(upsampling);
    if (!maps) {
      maps = imagePartMaps(this.factors, this.image, (m) => this.upsample(m, upsampling), this.refinedParts);
      this.mapsCache.set(upsampling, maps);
    }
    return maps;
  }

  checkParts(parts: readonly number[]): void {
    for (const k of parts) if (!Number.isInteger(k) || k < 0 || k >= this.factors.partsRank) throw new FactorIndexError("part", k, this.factors.partsRank);
  }

  checkAppearance(c: number): void {
    if (!Number.isInteger(c) || c < 0 || c >= this.factors.appearancesRank) throw new FactorIndexError("appearance", c, this.factors.appearancesRank);
  }

  mask(parts: readonly number[], kind: MaskKind, options: MaskOptions = {}): SpatialMap {
    this.checkParts(parts);
    return maskOf(this.partMaps(options.upsampling), parts, kind, options);
  }

  /** Each part's share of the image's pixels, where it is the strongest part (argmax labels). */
  coverage(upsampling?: Upsampling): number[] {
    return partCoverage(this.partMaps(upsampling));
  }

  /** Each part as a coloured overlay on the image, in part order. */
  thumbnails(upsampling?: Upsampling): RgbaImage[] {
    return partThumbnails(this.partMaps(upsampling), this.image);
  }

  /** Appearance c's normalised saliency at feature resolution, and its threshold (what `saliency` takes to image size). */
  featureSaliency(appearance: number): FeatureSaliency {
    this.checkAppearance(appearance);
    return { atFeatures: saliencyAtFeatures(this.coordinates, this.factors, this.model.saliency, appearance), threshold: saliencyThreshold(this.model.saliency, appearance) };
  }

  /** Lanczos (as the notebooks), then edge-aware unless asked otherwise. */
  saliency(appearance: number, upsampling: Upsampling = DEFAULT_UPSAMPLING): Saliency {
    const { atFeatures, threshold } = this.featureSaliency(appearance);
    return saliencyAtImageSize(atFeatures, threshold, (m) => this.upsample(m, upsampling, "heat"));
  }

  async edit(edits: readonly Edit[]): Promise<RenderedEdit> {
    const image = await this.editedImage(edits);
    return { image, region: this.editedRegion(edits) };
  }

  /**
   * The image with the edits applied, and nothing else: the live preview's path (Z' and the tail;
   * the region is not needed there). `timings` records the two steps (the second as "draft" when
   * `draft`: through the generator's draft tail, which the caller checked it has).
   */
  async editedImage(edits: readonly Edit[], timings = new StepTimings(), options: TailOptions = {}): Promise<RgbaImage> {
    for (const e of edits) {
      this.checkParts(e.parts);
      this.checkAppearance(e.appearance);
    }
    const { features } = await timings.time("edit", () => applyEdits(this.factors, this.features, edits, this.refinedParts));
    const [image] = await timings.time(options.draft ? "draft" : "tail", () => this.render(features, 1, options));
    return image;
  }

  /** The region the edits change (the union of their p̂_j) at feature resolution (what `editedRegion` takes to image size). */
  editedRegionAtFeatures(edits: readonly Pick<Edit, "parts">[]): SpatialMap {
    for (const e of edits) this.checkParts(e.parts);
    return editsRegion(this.factors, edits, this.refinedParts);
  }

  /** The region the edits change (the union of their p̂_j) at image size, upsampled once per set of parts. */
  editedRegion(edits: readonly Edit[]): SpatialMap {
    const key = JSON.stringify(edits.map((e) => [...e.parts].sort((a, b) => a - b)).sort());
    let region = this.regionCache.get(key);
    if (!region) {
      region = clampPlane(this.upsample(this.editedRegionAtFeatures(edits)));
      this.regionCache.set(key, region);
    }
    return region;
  }

  /** Every appearance ranked for this part set (appearance-ranking.ts), computed once per set. */
  appearanceRanking(parts: readonly number[]): AppearanceRank[] {
    this.checkParts(parts);
    const key = [...parts].sort((a, b) => a - b).join("+");
    let ranking = this.rankings.get(key);
    if (!ranking) {
      ranking = rankAppearances(this.coordinates, this.factors, this.model.saliency, editRegion(this.factors, parts, this.refinedParts));
      this.rankings.set(key, ranking);
    }
    return ranking;
  }

  /**
   * Each appearance's edit of the parts at its λ, rendered in one run of the tail, with what it
   * changed in the pixels inside and outside the parts' soft mask.
   */
  async appearancePreviews(parts: readonly number[], edits: readonly { appearance: number; lambda: number }[], changes: PixelChanges = async (images) => changesInside(this.image, images, this.mask(parts, "soft"))): Promise<AppearancePreview[]> {
    this.checkParts(parts);
    for (const e of edits) this.checkAppearance(e.appearance);
    if (edits.length === 0) return [];
    const n = this.features.length;
    const batch = new Float32Array(n * edits.length);
    edits.forEach((e, i) => batch.set(applyEdits(this.factors, this.features, [{ parts: [...parts], appearance: e.appearance, strength: e.lambda }], this.refinedParts).features, i * n));
    const images = await this.render(batch, edits.length);
    const change = await changes(images);
    return images.map((image, i) => ({ appearance: edits[i].appearance, image, change: change[i] }));
  }

  /** The background appearance removal paints in: the one asked for, or the factorisation's. */
  backgroundAppearance(requested?: number): number {
    const background = requested ?? this.model.background.appearance;
    this.checkAppearance(background);
    return background;
  }

  /** Feature-space removal rendered by the tail, with the removed region at feature resolution; `remove` runs removeInFeatures (here, or on a thread). */
  async removedInFeatures(parts: readonly number[], background: number, remove: FeatureRemover = removeInFeatures): Promise<{ image: RgbaImage; regionAtFeatures: SpatialMap }> {
    this.checkParts(parts);
    this.checkAppearance(background);
    const result = await remove(this.factors, this.features, this.coordinates, this.model.saliency, parts, background, this.refinedParts);
    const [image] = await this.render(result.features, 1);
    return { image, regionAtFeatures: result.region };
  }

  async remove(parts: readonly number[], method: RemovalMethod, options: { background?: number; fill?: PixelFill; upsampling?: Upsampling } = {}): Promise<RenderedEdit & { background: number }> {
    this.checkParts(parts);
    const background = this.backgroundAppearance(options.background);
    if (method === "pixel") {
      const mask = this.mask(parts, "binary", { upsampling: options.upsampling });
      const presence = this.saliency(background, options.upsampling).heat;
      return { image: removeInPixels(this.image, mask, options.fill ?? "transparent", presence), region: mask, background };
    }
    const { image, regionAtFeatures } = await this.removedInFeatures(parts, background);
    return { image, region: clampPlane(this.upsample(regionAtFeatures, options.upsampling)), background };
  }
}
