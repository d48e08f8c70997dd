/**
 * Baseline part discovery on the same feature maps as PandA, for eval:parts. Each method returns,
 * per sample, K score maps at feature resolution (K·S values, map-major): a position belongs to
 * the part whose score is highest.
 *  - spherical k-means of the feature vectors (Collins et al., "Editing in Style", CVPR 2020)
 *  - NMF of the rectified features (positions × channels), multiplicative updates
 *  - PCA of the feature vectors, scores = projections on the top components
 */
import { TensorBackend } from "../../../companion-server/src/engine/tensor/backend";
import { matrix, Matrix } from "../../../companion-server/src/engine/tensor/matrix";
import { topEigenvectors } from "../../../companion-server/src/engine/tenalg/symmetric-eigen";
import { createRng } from "../../../companion-server/src/runtime/random";

/** The samples' feature vectors as rows: (N·S) × C, row i·S + s = position s of sample i. */
export function featureVectors(features: Float32Array, count: number, channels: number, positions: number): Matrix {
  const out = matrix(count * positions, channels);
  for (let i = 0; i < count; i++)
    for (let c = 0; c < channels; c++) {
      const src = (i * channels + c) * positions;
      for (let s = 0; s < positions; s++) out.data[(i * positions + s) * channels + c] = features[src + s];
    }
  return out;
}

/** Rows of (N·S) × K scores → per-sample K·S map-major score maps. */
export function toScoreMaps(scores: Matrix, count: number, positions: number): Float32Array[] {
  const k = scores.cols;
  return Array.from({ length: count }, (_, i) => {
    const maps = new Float32Array(k * positions);
    for (let s = 0; s < positions; s++) for (let j = 0; j < k; j++) maps[j * positions + s] = scores.data[(i * positions + s) * k + j];
    return maps;
  });
}

function normaliseRows(m: Matrix): Matrix {
  const out = matrix(m.rows, m.cols, m.data.slice());
  for (let r = 0; r < m.rows; r++) {
    let norm = 0;
    for (let c = 0; c < m.cols; c++) norm += out.data[r * m.cols + c] ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let c = 0; c < m.cols; c++) out.data[r * m.cols + c] *= inv;
  }
  return out;
}

/** Spherical k-means with k-means++ seeding; scores are cosine similarities to the centroids. */
export async function sphericalKMeans(vectors: Matrix, k: number, seed: number, backend: TensorBackend, iterations = 30): Promise<Matrix> {
  const x = normaliseRows(vectors);
  const rng = createRng(seed);
  const c = x.cols;
  const centroids = matrix(k, c);
  const first = Math.floor(rng() * x.rows);
  centroids.data.set(x.data.subarray(first * c, (first + 1) * c), 0);
  const closest = new Float64Array(x.rows).fill(Infinity);
  for (let j = 1; j < k; j++) {
    const sims = await backend.matmul(x, matrix(1, c, centroids.data.slice((j - 1) * c, j * c)), { transposeB: true });
    let total = 0;
    for (let r = 0; r < x.rows; r++) {
      closest[r] = Math.min(closest[r], Math.max(0, 1 - sims.data[r]));
      total += closest[r];
    }
    let pick = rng() * total;
    let chosen = 0;
    for (let r = 0; r < x.rows; r++) if ((pick -= closest[r]) <= 0) {
      chosen = r;
      break;
    }
    centroids.data.set(x.data.subarray(chosen * c, (chosen + 1) * c), j * c);
  }
  let scores = await backend.matmul(x, centroids, { transposeB: true });
  for (let it = 0; it < iterations; it++) {
    const sums = new Float64Array(k * c);
    for (let r = 0; r < x.rows; r++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (scores.data[r * k + j] > scores.data[r * k + best]) best = j;
      for (let q = 0; q < c; q++) sums[best * c + q] += x.data[r * c + q];
    }
    for (let j = 0; j < k; j++) {
      let norm = 0;
      for (let q = 0; q < c; q++) norm += sums[j * c + q] ** 2;
      if (norm === 0) continue; // an empty cluster keeps its centroid
      const inv = 1 / Math.sqrt(norm);
      for (let q = 0; q < c; q++) centroids.data[j * c + q] = sums[j * c + q] * inv;
    }
    scores = await backend.matmul(x, centroids, { transposeB: true });
  }
  return scores;
}

/** NMF X ≈ WH of the rectified vectors (Lee & Seung multiplicative updates); scores = W. */
export async function nmf(vectors: Matrix, k: number, seed: number, backend: TensorBackend, iterations = 100): Promise<Matrix> {
  const x = matrix(vectors.rows, vectors.cols, vectors.data.map((v) => Math.max(0, v)));
  const rng = createRng(seed);
  const w = matrix(x.rows, k, Float32Array.from({ length: x.rows * k }, () => 0.1 + rng()));
  const h = matrix(k, x.cols, Float32Array.from({ length: k * x.cols }, () => 0.1 + rng()));
  const eps = 1e-9;
  for (let it = 0; it < iterations; it++) {
    const xht = await backend.matmul(x, h, { transposeB: true }); // rows×k
    const hht = await backend.matmul(h, h, { transposeB: true }); // k×k
    const whht = await backend.matmul(w, hht);
    for (let i = 0; i < w.data.length; i++) w.data[i] *= xht.data[i] / (whht.data[i] + eps);
    const wtx = await backend.matmul(w, x, { transposeA: true }); // k×cols
    const wtw = await backend.matmul(w, w, { transposeA: true });
    const wtwh = await backend.matmul(wtw, h);
    for (let i = 0; i < h.data.length; i++) h.data[i] *= wtx.data[i] / (wtwh.data[i] + eps);
  }
  return w;
}

/** Projections on the top-k principal directions, each signed so that its largest magnitude is positive. */
export async function pca(vectors: Matrix, k: number, backend: TensorBackend): Promise<Matrix> {
  const { rows, cols } = vectors;
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += vectors.data[r * cols + c] / rows;
  const centred = matrix(rows, cols, vectors.data.map((v, i) => v - mean[i % cols]));
  const scatter = await backend.matmul(centred, centred, { transposeA: true });
  const directions = matrix(cols, k, topEigenvectors(scatter.data, cols, k));
  const scores = await backend.matmul(centred, directions);
  for (let j = 0; j < k; j++) {
    let extreme = 0;
    for (let r = 0; r < rows; r++) if (Math.abs(scores.data[r * k + j]) > Math.abs(extreme)) extreme = scores.data[r * k + j];
    if (extreme < 0) for (let r = 0; r < rows; r++) scores.data[r * k + j] *= -1;
  }
  return scores;
}

