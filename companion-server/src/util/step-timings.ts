/**
 * Durations of one request's steps, sent as a W3C Server-Timing header: browsers' dev tools show
 * it, and bench:preview reads it back through Resource Timing to say where a preview's time goes.
 * No Node imports: the engine times its own steps with it.
 */
export class StepTimings {
  private readonly steps: { name: string; ms: number }[] = [];

  /** Runs `work` and records how long it took under `name` (also when it throws). */
  async time<T>(name: string, work: () => T | Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.steps.push({ name, ms: performance.now() - start });
    }
  }

  /** `name;dur=12.3, other;dur=0.4` (names are tokens). */
  header(): string {
    return this.steps.map((s) => `${s.name};dur=${s.ms.toFixed(1)}`).join(", ");
  }
}
