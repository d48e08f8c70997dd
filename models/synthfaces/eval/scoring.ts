/**
 * Scores discovered parts against ground-truth labels: each sample's K score maps are upsampled
 * to image size (block, bilinear or edge-aware) and every pixel is assigned to its best part; then,
 * pooled over all samples, each class's IoU with its best-matching part (parts may serve several
 * classes), and the boundary F-score of the parts' edges against the classes' edges.
 */
import { resizeBilinear, Size, SpatialMap } from "../../../companion-server/src/engine/panda/maps";
import { BoxFilter } from "../../../companion-server/src/engine/imaging/box-filter";

/**
 * K·S map-major scores at feature resolution → one part index per image pixel (default: bilinear).
 * `joint` post-processes all K upsampled maps together (e.g. the fit of refined parts to the image's colours).
 */
export function assignParts(
  scores: Float32Array,
  k: number,
  feature: Size,
  image: Size,
  upsample: (map: SpatialMap) => SpatialMap = (m) => resizeBilinear(m, image),
  joint: (maps: SpatialMap[]) => SpatialMap[] = (maps) => maps,
): Uint8Array {
  const s = feature.width * feature.height;
  const upsampled = joint(Array.from({ length: k }, (_, j) => upsample({ ...feature, data: scores.subarray(j * s, (j + 1) * s) }))).map((m) => m.data);
  const labels = new Uint8Array(image.width * image.height);
  for (let p = 0; p < labels.length; p++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (upsampled[j][p] > upsampled[best][p]) best = j;
    labels[p] = best;
  }
  return labels;
}

/** Intersections and unions of every (class, part) pair, accumulated over samples. */
export class IouTable {
  private readonly intersection: Float64Array;
  private readonly classArea: Float64Array;
  private readonly partArea: Float64Array;

  constructor(
    readonly classes: number,
    readonly parts: number,
  ) {
    this.intersection = new Float64Array(classes * parts);
    this.classArea = new Float64Array(classes);
    this.partArea = new Float64Array(parts);
  }

  add(truth: Uint8Array, assigned: Uint8Array): void {
    for (let p = 0; p < truth.length; p++) {
      this.intersection[truth[p] * this.parts + assigned[p]] += 1;
      this.classArea[truth[p]] += 1;
      this.partArea[assigned[p]] += 1;
    }
  }

  /** Each part's majority class: the class it overlaps most (how a user would name the part). */
  partClasses(): Uint8Array {
    return Uint8Array.from({ length: this.parts }, (_, k) => {
      let best = 0;
      for (let c = 1; c < this.classes; c++) if (this.intersection[c * this.parts + k] > this.intersection[best * this.parts + k]) best = c;
      return best;
    });
  }

  /** For each class present, the IoU of its best-matching part and that part; null when absent. */
  bestMatches(): ({ iou: number; part: number } | null)[] {
    return Array.from({ length: this.classes }, (_, c) => {
      if (this.classArea[c] === 0) return null;
      let best = { iou: 0, part: 0 };
      for (let k = 0; k < this.parts; k++) {
        const inter = this.intersection[c * this.parts + k];
        const iou = inter / (this.classArea[c] + this.partArea[k] - inter);
        if (iou > best.iou) best = { iou, part: k };
      }
      return best;
    });
  }
}

/** Mean IoU of ground-truth label maps against predicted ones with the same class indices (parser check). */
export function meanIouSameClasses(truth: Uint8Array[], predicted: Uint8Array[], classes: number): { perClass: (number | null)[]; mean: number } {
  const inter = new Float64Array(classes);
  const union = new Float64Array(classes);
  truth.forEach((t, i) => {
    const p = predicted[i];
    for (let q = 0; q < t.length; q++) {
      if (t[q] === p[q]) inter[t[q]] += 1;
      union[t[q]] += 1;
      if (t[q] !== p[q]) union[p[q]] += 1;
    }
  });
  const perClass = Array.from(inter, (v, c) => (union[c] > 0 ? v / union[c] : null));
  const present = perClass.filter((v): v is number => v !== null);
  return { perClass, mean: present.reduce((a, b) => a + b, 0) / present.length };
}

/** 1 where a pixel's right or lower neighbour has another label: the label map's edges. */
export function boundaries(labels: Uint8Array, size: Size): Float32Array {
  const { width: w, height: h } = size;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if ((x + 1 < w && labels[i + 1] !== labels[i]) || (y + 1 < h && labels[i + w] !== labels[i])) out[i] = 1;
    }
  return out;
}

/**
 * Boundary precision, recall and F-score (as in BSDS/DAVIS): a predicted edge pixel counts when a
 * true edge lies within `tolerance` pixels (square window), and the other way round; pooled over samples.
 */
export class BoundaryScore {
  private matchedPredicted = 0;
  private predicted = 0;
  private matchedTrue = 0;
  private truth = 0;
  private readonly box: BoxFilter;

  constructor(
    readonly size: Size,
    readonly tolerance: number,
  ) {
    this.box = new BoxFilter(size.width, size.height);
  }

  add(truth: Uint8Array, predicted: Uint8Array): void {
    const t = boundaries(truth, this.size);
    const p = boundaries(predicted, this.size);
    const nearT = this.box.mean(t, this.tolerance);
    const nearP = this.box.mean(p, this.tolerance);
    for (let i = 0; i < t.length; i++) {
      if (p[i]) (this.predicted += 1), (this.matchedPredicted += nearT[i] > 1e-6 ? 1 : 0);
      if (t[i]) (this.truth += 1), (this.matchedTrue += nearP[i] > 1e-6 ? 1 : 0);
    }
  }

  result(): { precision: number; recall: number; f: number } {
    const precision = this.predicted ? this.matchedPredicted / this.predicted : 0;
    const recall = this.truth ? this.matchedTrue / this.truth : 0;
    return { precision, recall, f: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
  }
}
