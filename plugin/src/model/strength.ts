/**
 * The strength slider. Strengths are in calibrated per-appearance units (the server's
 * api/strength.ts, the same definition as the CLI's --strength): 1 is a clear edit of any
 * appearance on any model, so one slider range serves every appearance.
 */
export { EXAMPLE_STRENGTH, PREVIEW_STRENGTH, STRENGTH_LIMIT } from "@server-api/strength";

/** slider positions across the whole range: steps of 0.02 */
export const STRENGTH_STEPS = 400;

/** Strengths are kept to the slider's step, so names and requests show clean numbers. */
export function roundStrength(value: number, limit: number): number {
  const step = (2 * limit) / STRENGTH_STEPS;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number((Math.round(value / step) * step).toFixed(decimals));
}
