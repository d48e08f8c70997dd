/**
 * The order in which graphs run on the ONNX Runtime thread: one at a time (the thread runs them
 * one at a time anyway), and a run someone is watching — a live preview's frame while a slider
 * moves — goes before runs queued in the background (the appearance browser's previews, a part
 * refinement, a fit's passes). Without it the first frames of a drag waited behind a page of
 * twelve 256-px previews and a refinement, seconds on this machine's two cores.
 */
interface Waiting {
  interactive: boolean;
  go: () => void;
}

export class RunQueue {
  private busy = false;
  private readonly waiting: Waiting[] = [];

  /** Resolves when it is this run's turn, with the function to call once the run is over. */
  async turn(interactive = false): Promise<() => void> {
    if (this.busy) {
      await new Promise<void>((go) => {
        const entry = { interactive, go };
        // behind every interactive run already waiting, ahead of every background one
        const firstBackground = interactive ? this.waiting.findIndex((w) => !w.interactive) : -1;
        if (firstBackground < 0) this.waiting.push(entry);
        else this.waiting.splice(firstBackground, 0, entry);
      });
    }
    this.busy = true;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next.go(); // the turn passes on: still busy
      else this.busy = false;
    };
  }

  /** Runs waiting for their turn (not counting the one running). */
  get queued(): number {
    return this.waiting.length;
  }
}
