/**
 * The strength slider. Strengths are in calibrated per-appearance units (the server's
 * api/strength.ts, the same definition as the CLI's --strength): 1 is a clear edit of any
 * appearance on any model, so one slider range serves every appearance.
 */
export { EXAMPLE_STRENGTH, PREVIEW_STRENGTH, STRENGTH_LIMIT } from "@server-api/strength";

/** slider positions across the whole range: steps of 0.02 */
export const STRENGTH_STEPS = 400;

/** Shift-drag on the slider moves the strength this many times more slowly (fine control). */
export const FINE_FACTOR = 10;

/** Strengths are kept to the slider's step (a tenth of it under fine control), so names and requests show clean numbers. */
export function roundStrength(value: number, limit: number, fine = false): number {
  const step = (2 * limit) / STRENGTH_STEPS / (fine ? FINE_FACTOR : 1);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number((Math.round(value / step) * step).toFixed(decimals));
}

/**
 * A drag of the slider, Shift held or not: without Shift the strength is where the handle is; with
 * Shift it moves a tenth as far as the handle, from where it was when Shift took effect (so
 * pressing Shift mid-drag never jumps).
 */
export class StrengthDrag {
  private anchor: { raw: number; value: number } | null = null;

  /** The strength for the handle's position `raw`; `current` is the strength now. */
  next(raw: number, fine: boolean, current: number): number {
    if (!fine) {
      this.anchor = null;
      return raw;
    }
    this.anchor ??= { raw, value: current };
    return this.anchor.value + (raw - this.anchor.raw) / FINE_FACTOR;
  }

  /** The pointer was released: the next drag starts afresh. */
  end(): void {
    this.anchor = null;
  }
}
