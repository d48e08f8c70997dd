/**
 * The strength of an edit, in calibrated per-appearance units: the one definition shared by the
 * CLI's `--strength`, the HTTP API's `edits[].strength`, the panel's slider and the `strengthScales`
 * recorded in a factorisation's meta.json. Pure (no imports): the panel's bundles import it too.
 *
 * An edit adds λ·a_c ⊗ p̂ to the feature map; a_c is a unit vector, so inside the part it moves
 * appearance c's coordinate (AᵀZ) by λ. Raw λ means nothing across models and layers (the paper's
 * ±200 at StyleGAN's 512-channel layers paints noise on a DCGAN whose coordinates span 5), so a
 * strength s is measured in appearance c's own scale: half the span (max − min) of its coordinates
 * over the factorisation's samples, λ = s × scale_c. Strength 1 moves the part by half the range of
 * that appearance seen in the data. Measured on SynthFaces 8×8 and 16×16 and the CelebA DCGAN 8×8
 * (8 appearances × 6 seeds each): at 1 the part changes by 3–6 % of the image range on average and
 * keeps its texture (high-frequency energy 0.98–1.6× the original's) — visible and clean; at 2 by
 * 7–11 % (1.0–3.1×, the DCGAN's checkerboard shows); at 4 by 12–20 % (1.3–7.7×): strong edits such
 * as a new hair colour, and noise on the DCGAN.
 */

/** The slider's ends, ±STRENGTH_LIMIT (two spans, the reach the panel's slider had in raw λ). */
export const STRENGTH_LIMIT = 4;

/** The appearance browser's previews: clear at thumbnail size (7–11 % of the range in the part) and still in distribution. */
export const PREVIEW_STRENGTH = 2;

/** The example strength of `panda edit --help` and the README. */
export const EXAMPLE_STRENGTH = 1;

/** Appearance c's scale from its coordinates' min and max over the samples; 1 (raw λ) for an appearance that never varies. */
export function appearanceScale(min: number, max: number): number {
  const half = (max - min) / 2;
  return Number.isFinite(half) && half > 0 ? half : 1;
}

/** Every appearance's scale, from the saliency statistics a factorisation keeps (arrays of length R_C). */
export function appearanceScales(stats: { min: readonly number[]; max: readonly number[] }): number[] {
  return stats.min.map((low, c) => appearanceScale(low, stats.max[c]));
}

/** Edits with strengths in calibrated units → the same edits with λ, ready for the engine. */
export function toFeatureStrengths<E extends { appearance: number; strength: number }>(edits: readonly E[], scales: readonly number[]): E[] {
  return edits.map((e) => ({ ...e, strength: e.strength * scales[e.appearance] }));
}
