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
  | "aborted";

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

export function isAbort(err: unknown): boolean {
  return (err instanceof ClientError && err.kind === "aborted") || (err instanceof Error && err.name === "AbortError");
}
