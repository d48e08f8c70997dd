/**
 * Scores discovered parts against ground-truth labels: each sample's K score maps are upsampled
 * to image size and every pixel is assigned to its best part; then, pooled over all samples,
 * each class's IoU with its best-matching part (parts may serve several classes).
 */
import { resizeBilinear, Size } from "../../../companion-server/src/engine/panda/maps";

/** K·S map-major scores at feature resolution → one part index per image pixel. */
export function assignParts(scores: Float32Array, k: number, feature: Size, image: Size): Uint8Array {
  const s = feature.width * feature.height;
  const upsampled = Array.from({ length: k }, (_, j) => resizeBilinear({ ...feature, data: scores.subarray(j * s, (j + 1) * s) }, image).data);
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
