/** Small helpers shared by the views: reading values out of SWC events. */
export function valueOf(event: Event): string {
  return String((event.target as HTMLInputElement).value ?? "");
}

/** Numeric text fields keep what was typed; NaN reaches the model, whose check names the field. */
export function numberOf(event: Event): number {
  const text = valueOf(event).trim();
  return text === "" ? Number.NaN : Number(text);
}
