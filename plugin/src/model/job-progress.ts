/**
 * A factorisation job's progress in a user's words: the phase with its counts ("Sampling faces
 * 120/256", "Fitting, round 3"), the time left once the server can tell, and whether the bar
 * can show a percentage yet (before the first counted step it shows activity, never "0 %").
 */
import type { JobEventMessage } from "../client/client";

type ProgressEvent = Extract<JobEventMessage, { type: "progress" }>;

export interface ProgressView {
  fraction: number;
  /** false until there is a fraction worth showing: the bar then shows that work is going on */
  determinate: boolean;
  message: string;
}

const PHASES: Record<string, string> = {
  sampling: "Sampling faces",
  solver: "Fitting parts",
  statistics: "Measuring appearances",
  "contact sheet": "Drawing the contact sheet",
  saving: "Saving",
};

export function progressView(event: ProgressEvent): ProgressView {
  const phase = event.phase ? PHASES[event.phase] : undefined;
  const counts = event.done !== undefined && event.total ? ` ${event.done}/${event.total}` : "";
  const round = event.phase === "solver" && event.round !== undefined ? `, round ${event.round}` : "";
  const words = phase ? `${phase}${round}${event.phase === "solver" && round ? "" : counts}` : event.message;
  const eta = event.etaSeconds !== undefined && event.etaSeconds >= 1 && event.phase !== "saving" ? ` · about ${formatSeconds(event.etaSeconds)} left` : "";
  return { fraction: event.fraction, determinate: event.fraction > 0, message: `${words}${eta}` };
}

function formatSeconds(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return `${Math.round(seconds / 60)} min`;
}
