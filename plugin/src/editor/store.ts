/**
 * The editor's state holder: the current document (or none), its undo history, and change
 * notifications for the views. User commands are one undo step each; a longer operation (a Host
 * operation) is a transaction whose intermediate states are shown live and undone as one step.
 */
import { EditorDocument } from "./document";
import { History } from "./history";

export type DocState = EditorDocument | null;
export type Change = (doc: DocState) => DocState;
export type Listener = (doc: DocState) => void;

export class Transaction {
  private inPlaceOnly = true;
  private open = true;

  constructor(
    private readonly store: EditorStore,
    readonly title: string,
    private readonly before: DocState,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  /** Applies a change live. `inPlace`: it only replaces an existing layer's pixels (a preview update). */
  change(change: Change, inPlace = false): void {
    if (!this.open) throw new Error(`the operation "${this.title}" has already finished`);
    this.inPlaceOnly &&= inPlace;
    this.store.replace(change(this.store.doc));
  }

  commit(): void {
    this.finish();
    this.store.history.commit(this.title, this.before, this.inPlaceOnly);
    this.store.notify();
  }

  /** Puts the document back as it was when the transaction began. */
  rollback(): void {
    this.finish();
    this.store.history.replace(this.before);
    this.store.notify();
  }

  private finish(): void {
    if (!this.open) throw new Error(`the operation "${this.title}" has already finished`);
    this.open = false;
    this.store.endTransaction(this);
  }
}

export class EditorStore {
  /** @internal the transaction reads and commits it */
  readonly history = new History<DocState>(null);
  private readonly listeners = new Set<Listener>();
  private transactions = new Set<Transaction>();
  private layerCounter = 0;
  /** the state last saved (an .ora written) or opened; states are immutable, so undoing back to it is "saved" again */
  private savedDoc: DocState = null;

  get doc(): DocState {
    return this.history.present;
  }

  /** Layer ids are never reused in a session, so a stale reference can't hit a newer layer. */
  newLayerId(): string {
    return `layer-${++this.layerCounter}`;
  }

  /** The document as it is now is safe (written to a file, or just opened). */
  markSaved(): void {
    this.savedDoc = this.doc;
  }

  /** Whether closing or replacing the document would lose work: it has layers and changed since it was saved or opened. */
  get unsaved(): boolean {
    const doc = this.doc;
    return doc !== null && doc !== this.savedDoc && doc.layers.length > 0;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener(this.doc);
  }

  /** One user command: one undo step (nothing is recorded when the document didn't change). */
  apply(title: string, change: Change): void {
    const next = change(this.doc);
    if (next === this.doc) return;
    this.history.apply(title, next);
    this.notify();
  }

  /** A change that is not an undo step (choosing the active layer; live states inside a transaction). */
  replace(next: DocState): void {
    if (next === this.doc) return;
    this.history.replace(next);
    this.notify();
  }

  begin(title: string): Transaction {
    const transaction = new Transaction(this, title, this.doc);
    this.transactions.add(transaction);
    this.notify();
    return transaction;
  }

  /** @internal */
  endTransaction(transaction: Transaction): void {
    this.transactions.delete(transaction);
  }

  /** Undo and redo wait while an operation runs: it would otherwise commit on top of a state it never saw. */
  get busy(): boolean {
    return this.transactions.size > 0;
  }

  get undoTitle(): string | null {
    return this.busy ? null : this.history.undoTitle;
  }

  get redoTitle(): string | null {
    return this.busy ? null : this.history.redoTitle;
  }

  undo(): string | null {
    if (this.busy) return null;
    const title = this.history.undo();
    if (title !== null) this.notify();
    return title;
  }

  redo(): string | null {
    if (this.busy) return null;
    const title = this.history.redo();
    if (title !== null) this.notify();
    return title;
  }
}
