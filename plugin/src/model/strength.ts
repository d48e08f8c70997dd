/**
 * The strength slider's range. An edit adds λ·a_c (a unit vector) to the feature map, so λ is
 * on the scale of appearance c's own coordinates AᵀZ, which the factorisation reports as their
 * min and max over its samples. Twice that span reaches well past anything seen in the data
 * (the paper's ±200 at StyleGAN's 512-channel layers is on the same footing).
 */
export const DEFAULT_STRENGTH_LIMIT = 100;
/** slider positions across the whole range */
export const STRENGTH_STEPS = 200;

export function strengthLimit(span: number | undefined): number {
  return span !== undefined && Number.isFinite(span) && span > 0 ? niceCeil(2 * span) : DEFAULT_STRENGTH_LIMIT;
}

/** The smallest of 1, 2, 5 × 10^k that is ≥ x, so the slider's ends are round numbers. */
export function niceCeil(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= x * (1 - 1e-9)) ?? 10 * power;
}

/** Strengths are kept to the slider's step, so names and requests show clean numbers. */
export function roundStrength(value: number, limit: number): number {
  const step = (2 * limit) / STRENGTH_STEPS;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number((Math.round(value / step) * step).toFixed(decimals));
}
