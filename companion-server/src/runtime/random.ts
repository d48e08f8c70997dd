/**
 * Seeded random numbers, so that a seed names the same latent on every machine and in every
 * language binding we test against (a 32-bit state, no platform RNG).
 */
export type LatentDistribution = "normal" | "uniform";

export const MAX_SEED = 0xffffffff;

/** mulberry32: small, fast, and good enough for sampling latents and initial factors. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller from a uniform source. */
export function fillNormal(out: Float32Array, rng: () => number): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const u1 = Math.max(rng(), 1e-12);
    const u2 = rng();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

export function fillUniform(out: Float32Array, rng: () => number, low = -1, high = 1): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * rng();
  return out;
}

/**
 * The values of sampleLatents(distribution, size, seed, count) for any count, produced on demand:
 * `next(n)` gives the next n values, exactly as the whole array would hold them (the second value
 * of a Box–Muller pair is carried across calls). Sampling 100,000 latents no longer means one
 * synchronous loop over all of them, nor holding them all.
 */
export class LatentStream {
  private readonly rng: () => number;
  private spare: number | null = null;

  constructor(
    private readonly distribution: LatentDistribution,
    seed: number,
  ) {
    this.rng = createRng(seed);
  }

  next(n: number): Float32Array {
    const out = new Float32Array(n);
    if (this.distribution === "uniform") return fillUniform(out, this.rng);
    let i = 0;
    if (this.spare !== null && n > 0) {
      out[i++] = this.spare;
      this.spare = null;
    }
    for (; i < n; i += 2) {
      const u1 = Math.max(this.rng(), 1e-12);
      const u2 = this.rng();
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(2 * Math.PI * u2);
      const second = r * Math.sin(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = second;
      else this.spare = second;
    }
    return out;
  }
}

/** `count` latents of `size` values from one seed, row after row. */
export function sampleLatents(distribution: LatentDistribution, size: number, seed: number, count = 1): Float32Array {
  const out = new Float32Array(size * count);
  const rng = createRng(seed);
  return distribution === "normal" ? fillNormal(out, rng) : fillUniform(out, rng);
}
