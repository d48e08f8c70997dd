/**
 * Checks of what the user typed, before anything is sent: the message says what to fix.
 * The server checks again (and knows more, e.g. the largest rank a layer allows); its
 * message is shown as it is.
 */
export const MAX_SEED = 0xffffffff;

export class InputError extends Error {}

export function checkInteger(label: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new InputError(`${label} must be a whole number from ${min} to ${max}`);
  return value;
}

export function checkNumber(label: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) throw new InputError(`${label} must be a number from ${min} to ${max}`);
  return value;
}

export function randomSeed(): number {
  return Math.floor(Math.random() * (MAX_SEED + 1));
}
