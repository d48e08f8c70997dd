/**
 * The server's job events (one JSON message per event over the WebSocket GET /api/events, for
 * every job) as an async stream of one job's typed events, ending with its terminal event.
 */
import type { JobEventMessage } from "@server-api/jobs";
import { ClientError } from "./errors";

/** The constructor of a browser-compatible WebSocket (the browser's, UXP's, or `ws` in tests). */
export type WebSocketFactory = new (url: string, protocols?: string | string[]) => WebSocket;

const TERMINAL = new Set<JobEventMessage["type"]>(["finished", "failed", "cancelled"]);

export class JobEventSocket {
  private readonly buffered: JobEventMessage[] = [];
  private wake: (() => void) | null = null;
  private closedWith: ClientError | null = null;

  private constructor(private readonly socket: WebSocket) {
    socket.onmessage = (message) => {
      try {
        this.buffered.push(JSON.parse(String(message.data)) as JobEventMessage);
      } catch {
        return; // not an event; the contract says every message is one
      }
      this.notify();
    };
    socket.onclose = () => {
      this.closedWith ??= new ClientError("unreachable", "the connection to the server closed while a job was running");
      this.notify();
    };
  }

  /** Opens the socket and resolves once it is open (so no event sent afterwards is lost). */
  static open(url: string, factory: WebSocketFactory, protocols: string[] = []): Promise<JobEventSocket> {
    return new Promise((resolve, reject) => {
      const socket = protocols.length > 0 ? new factory(url, protocols) : new factory(url);
      socket.onopen = () => resolve(new JobEventSocket(socket));
      socket.onerror = () => reject(new ClientError("unreachable", `cannot open the event stream ${url}`));
    });
  }

  /** The events of one job, up to and including its terminal event; then the socket closes. */
  async *eventsOf(jobId: string): AsyncGenerator<JobEventMessage> {
    try {
      for (;;) {
        const event = this.buffered.shift();
        if (event) {
          if (event.jobId !== jobId) continue;
          yield event;
          if (TERMINAL.has(event.type)) return;
          continue;
        }
        if (this.closedWith) throw this.closedWith;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    this.closedWith ??= new ClientError("aborted", "event stream closed");
    this.socket.onclose = null;
    this.socket.close();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
