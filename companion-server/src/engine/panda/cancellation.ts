/** Cooperative cancellation: solvers call this between units of work. */
import { CancelledError } from "./types";

export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}
