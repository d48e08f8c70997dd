/**
 * Everything the product does with one image and one factorisation — masks, part thumbnails,
 * saliency, edits, removal — over values computed once and kept (the coordinates AᵀZ and the
 * parts' maps at image size), so a client dragging a strength slider pays only for Z' and the
 * generator's tail. Routes and the CLI both use it; neither knows the math.
 */
import { RgbaImage } from "../../runtime/image-codec";
import { Factors } from "./types";
import { resizeBilinear, SpatialMap } from "./maps";
import { binaryMask, PartMaps, partMaps, softMask } from "./masks";
import { coordinates, saliency, Saliency, SaliencyStats } from "./saliency";
import { applyEdits, Edit } from "./edits";
import { Background, PixelFill, removeInFeatures, removeInPixels } from "./removal";
import { overlayPart, partColour } from "./overlay";

/** A factorisation as the product uses it: the factors and what was saved with them. */
export interface FactorisationModel {
  factors: Factors;
  saliency: SaliencyStats;
  background: Background;
}

/** Runs the generator's tail on one image's features (C·S values) with that image's auxiliaries. */
export type TailRenderer = (features: Float32Array) => Promise<RgbaImage>;

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
export type RemovalMethod = "feature" | "pixel";

export interface RenderedEdit {
  image: RgbaImage;
  /** the region edited or removed, 0…1 at image size */
  region: SpatialMap;
}

export class ImageParts {
  private coordsCache?: Float32Array;
  private mapsCache?: PartMaps;

  constructor(
    readonly model: FactorisationModel,
    /** this image's feature map at the factorisation's layer, C·S values */
    readonly features: Float32Array,
    readonly image: RgbaImage,
    private readonly render: TailRenderer,
    /** P refined for this image (S·R_S), when asked for */
    readonly refinedParts?: Float32Array,
  ) {}

  private get factors(): Factors {
    return this.model.factors;
  }

  private get size() {
    return { width: this.image.width, height: this.image.height };
  }

  /** AᵀZ (R_C·S), computed on first use. */
  get coordinates(): Float32Array {
    return (this.coordsCache ??= coordinates(this.factors, this.features));
  }

  /** Every part's map at image size (raw and scaled), computed on first use. */
  get partMaps(): PartMaps {
    return (this.mapsCache ??= partMaps(this.factors, this.size, this.refinedParts));
  }

  checkParts(parts: readonly number[]): void {
    for (const k of parts) if (!Number.isInteger(k) || k < 0 || k >= this.factors.partsRank) throw new FactorIndexError("part", k, this.factors.partsRank);
  }

  checkAppearance(c: number): void {
    if (!Number.isInteger(c) || c < 0 || c >= this.factors.appearancesRank) throw new FactorIndexError("appearance", c, this.factors.appearancesRank);
  }

  mask(parts: readonly number[], kind: MaskKind, threshold?: number): SpatialMap {
    this.checkParts(parts);
    return kind === "soft" ? softMask(this.partMaps, parts) : binaryMask(this.partMaps, parts, threshold);
  }

  /** Each part as a coloured overlay on the image, in part order. */
  thumbnails(): RgbaImage[] {
    return this.partMaps.scaled.map((map, k) => overlayPart(map, partColour(k), this.image));
  }

  saliency(appearance: number): Saliency {
    this.checkAppearance(appearance);
    return saliency(this.coordinates, this.factors, this.model.saliency, appearance, this.size);
  }

  async edit(edits: readonly Edit[]): Promise<RenderedEdit> {
    for (const e of edits) {
      this.checkParts(e.parts);
      this.checkAppearance(e.appearance);
    }
    const result = applyEdits(this.factors, this.features, edits, this.refinedParts);
    return { image: await this.render(result.features), region: resizeBilinear(result.region, this.size) };
  }

  async remove(parts: readonly number[], method: RemovalMethod, options: { background?: number; fill?: PixelFill } = {}): Promise<RenderedEdit & { background: number }> {
    this.checkParts(parts);
    const background = options.background ?? this.model.background.appearance;
    this.checkAppearance(background);
    if (method === "pixel") {
      const mask = this.mask(parts, "binary");
      const presence = this.saliency(background).heat;
      return { image: removeInPixels(this.image, mask, options.fill ?? "transparent", presence), region: mask, background };
    }
    const result = removeInFeatures(this.factors, this.features, this.coordinates, this.model.saliency, parts, background, this.refinedParts);
    return { image: await this.render(result.features), region: resizeBilinear(result.region, this.size), background };
  }
}
