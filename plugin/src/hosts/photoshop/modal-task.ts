/**
 * One document operation in Photoshop: a `core.executeAsModal` scope whose document changes form a
 * single history step, with progress in Photoshop's progress bar and the user's cancel honoured.
 *
 * History is suspended per document on its first change (an operation may create the document it
 * writes to). On success every suspension is committed; on failure or cancel each is rolled back and
 * a document the operation created is closed, so the user is left where they started.
 */
import type { HostTask } from "../host";
import { PhotoshopHostError, toHostError } from "./errors";
import type { ExecutionContext, PhotoshopApi, PsDocument } from "./photoshop-api";

type HistorySuspension = Awaited<ReturnType<ExecutionContext["hostControl"]["suspendHistory"]>>;

export class ModalTask implements HostTask {
  private readonly suspensions = new Map<number, HistorySuspension>();
  private readonly createdDocuments: number[] = [];

  constructor(
    private readonly context: ExecutionContext,
    private readonly title: string,
  ) {}

  reportProgress(fraction: number, message?: string): void {
    const value = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    this.context.reportProgress({ value, commandName: message ?? this.title });
  }

  isCancelled(): boolean {
    return this.context.isCancelled;
  }

  /** Called before each document change: after a cancel Photoshop refuses further changes anyway. */
  throwIfCancelled(): void {
    if (this.context.isCancelled) throw new PhotoshopHostError("CANCELLED");
  }

  /** Starts collecting this document's changes into the operation's history step (once per document). */
  async beginChanges(document: PsDocument): Promise<void> {
    this.throwIfCancelled();
    if (this.suspensions.has(document.id)) return;
    const suspension = await this.context.hostControl.suspendHistory({ documentID: document.id, name: this.title });
    this.suspensions.set(document.id, suspension);
  }

  /** A document this operation created: Photoshop closes it if the operation does not finish. */
  async adoptNewDocument(document: PsDocument): Promise<void> {
    await this.context.hostControl.registerAutoCloseDocument(document.id);
    this.createdDocuments.push(document.id);
  }

  async commit(): Promise<void> {
    for (const suspension of this.suspensions.values()) {
      await this.context.hostControl.resumeHistory({ ...suspension, finalName: this.title }, true);
    }
    for (const id of this.createdDocuments) await this.context.hostControl.unregisterAutoCloseDocument(id);
  }

  /** Best effort: after a cancel Photoshop rolls back by itself and may refuse these calls. */
  async rollBack(): Promise<void> {
    for (const suspension of this.suspensions.values()) {
      await this.context.hostControl.resumeHistory(suspension, false).catch(() => undefined);
    }
  }
}

/** Runs `work` as one modal operation and maps Photoshop's failures to PhotoshopHostError. */
export async function runModal<T>(
  core: PhotoshopApi["core"],
  title: string,
  work: (task: ModalTask) => Promise<T>,
): Promise<T> {
  try {
    return await core.executeAsModal(
      async (context) => {
        const task = new ModalTask(context, title);
        try {
          const result = await work(task);
          task.throwIfCancelled();
          await task.commit();
          return result;
        } catch (error) {
          await task.rollBack();
          throw toHostError(error, context.isCancelled);
        }
      },
      { commandName: title },
    );
  } catch (error) {
    throw toHostError(error, false);
  }
}

/** The task a host method was given, checked to be one of ours. */
export function modalTask(task: HostTask): ModalTask {
  if (!(task instanceof ModalTask)) throw new PhotoshopHostError("OUTSIDE_OPERATION");
  return task;
}
