/**
 * Every failure the client reports is a ClientError, so views can show one message without
 * knowing whether the network, the server or the client itself was at fault.
 */
export type ClientErrorKind =
  /** no answer: the server is not running, or the address is wrong */
  | "unreachable"
  /** the server answered with an error body; `message` is the server's own */
  | "server"
  /** the answer did not have the shape the contract promises */
  | "protocol"
  /** the caller aborted the request */
  | "aborted"
  /** the in-browser engine cannot do this: it needs the companion server (the message says how to start it) */
  | "needs-server"
  /** the in-browser engine refused the request or failed; `message` is its own */
  | "engine";

export class ClientError extends Error {
  constructor(
    readonly kind: ClientErrorKind,
    message: string,
    /** HTTP status, for `server` errors */
    readonly status?: number,
    /** the server's error code (api/errors.ts), for `server` errors */
    readonly code?: string,
  ) {
    super(message);
    this.name = "ClientError";
  }
}

export function unreachable(serverUrl: string): ClientError {
  return new ClientError("unreachable", `Cannot reach the PandA server at ${serverUrl}. Is it running? Start it with "npm start", or correct the address.`);
}

/** Features of the companion server only, in the words the panel shows when it runs in the browser alone. */
export function needsServer(feature: string): ClientError {
  return new ClientError("needs-server", `${feature} needs the PandA companion server; this page runs the shipped model in the browser alone. Start it in a PandA Studio checkout with "npm install && npm start" and open http://127.0.0.1:8710/.`);
}

export function isAbort(err: unknown): boolean {
  return (err instanceof ClientError && err.kind === "aborted") || (err instanceof Error && err.name === "AbortError");
}
