/**
 * The one registry of errors the server returns. Each has a code (equal to its key), an HTTP
 * status and a message template that says what to fix. 5xx details never reach clients.
 */
import { STATUS_CODES } from "node:http";

export interface ErrorSpec {
  status: number;
  message: (p: Record<string, string | number>) => string;
}

export const ERRORS = {
  UNKNOWN_MODEL: { status: 404, message: (p) => `unknown model "${p.model}"; available: ${p.available}` },
  UNKNOWN_LAYER: { status: 400, message: (p) => `model "${p.model}" has no layer "${p.layer}"; layers: ${p.available}` },
  UNKNOWN_IMAGE: { status: 404, message: (p) => `no image with id "${p.id}" (the most recent images are kept, up to ${p.capacity}; generate it again)` },
  UNKNOWN_ROUTE: { status: 404, message: (p) => `no route ${p.method} ${p.url}; the API is listed at GET /api` },
  BAD_REQUEST: { status: 400, message: (p) => `${p.detail}` },
  LATENT_LENGTH: { status: 400, message: (p) => `latent has ${p.got} values; model "${p.model}" needs exactly ${p.expected}` },
  SEED_AND_LATENT: { status: 400, message: () => `give either "seed" or "latent", not both` },
  MALFORMED_JSON: { status: 400, message: (p) => `the body is not valid JSON (${p.detail})` },
  BODY_TOO_LARGE: { status: 413, message: (p) => `the body is larger than the limit of ${p.limit} bytes` },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: (p) => `content type "${p.type}" is not accepted; send application/json` },
  UNSUPPORTED_ENCODING: { status: 415, message: (p) => `Content-Encoding "${p.encoding}" is not accepted; send the body uncompressed, without Content-Encoding` },
  MALFORMED_REQUEST: { status: 400, message: (p) => `the request is not valid HTTP/1.1: ${p.detail}` },
  HEADERS_TOO_LARGE: { status: 431, message: () => `the request's headers are larger than the server accepts (16 KiB in all); send fewer or shorter headers` },
  REQUEST_TIMEOUT: { status: 408, message: () => `the request did not arrive in time; send it again` },
  BAD_URL: { status: 400, message: (p) => `the path segment "${p.segment}" is not valid percent-encoding; encode it with encodeURIComponent` },
  URL_TOO_LONG: { status: 414, message: (p) => `a path segment of ${p.length} characters is longer than the ${p.max} allowed; ids are at most 128 characters` },
  MISSING_HOST: { status: 400, message: (p) => `the request has no Host header; send "Host: ${p.expected}"` },
  EXPECTATION_FAILED: { status: 417, message: (p) => `Expect "${p.expect}" is not supported; send the request without Expect, or with "Expect: 100-continue"` },
  UPGRADE_REQUIRED: { status: 426, message: (p) => `${p.path} is a WebSocket; open it with new WebSocket("ws://HOST:PORT${p.path}") rather than a plain HTTP request` },
  NOT_A_WEBSOCKET: { status: 400, message: (p) => `${p.path} does not accept WebSocket connections; job events are at the WebSocket ${p.events}` },
  LATENT_RANGE: { status: 400, message: (p) => `latent[${p.index}] = ${p.value} is beyond the float32 range (±${p.max}); send values of the model's latent distribution (about −5 … 5)` },
  NAME_NOT_PORTABLE: { status: 400, message: (p) => `the name "${p.name}" cannot be a folder on every system (${p.why}); choose another name` },
  TOO_MANY_JOBS: { status: 429, message: (p) => `${p.pending} factorisation jobs are queued or running (the limit is ${p.limit}); wait for one to end or cancel one, then try again` },
  UNAUTHORIZED: { status: 401, message: (p) => `${p.why}; send "Authorization: Bearer <token>" (the token is in ${p.file} on the server; in the panel, enter it under Server → Token)` },
  NOT_ACCEPTABLE: { status: 406, message: (p) => `cannot answer with "${p.accept}"; ask for ${p.offered}` },
  FORBIDDEN_ORIGIN: { status: 403, message: (p) => `requests from origin "${p.origin}" are refused; open the editor at ${p.expected} or start the server with --allow-origin` },
  FORBIDDEN_HOST: { status: 403, message: (p) => `Host "${p.host}" is not this server's address; use ${p.expected}` },
  UNKNOWN_FACTORISATION: { status: 404, message: (p) => `no factorisation "${p.id}"; saved ones are listed at GET /api/factorisations` },
  FACTORISATION_MISMATCH: { status: 400, message: (p) => `factorisation "${p.id}" was fitted on model "${p.model}" layer "${p.layer}"; image "${p.image}" is of model "${p.imageModel}"` },
  FACTORISATION_EXISTS: { status: 409, message: (p) => `the name "${p.id}" is taken (${p.why}); choose another name` },
  FACTORISATION_READ_ONLY: { status: 403, message: (p) => `factorisation "${p.id}" ships with model "${p.model}" and is read-only` },
  UNKNOWN_PART: { status: 400, message: (p) => `there is no part ${p.index}; factorisation "${p.id}" has ${p.count} parts (0 … ${Number(p.count) - 1})` },
  UNKNOWN_APPEARANCE: { status: 400, message: (p) => `there is no appearance ${p.index}; factorisation "${p.id}" has ${p.count} appearances (0 … ${Number(p.count) - 1})` },
  RANK_TOO_LARGE: { status: 400, message: (p) => `${p.what} = ${p.got} is too large for layer "${p.layer}" of model "${p.model}" (at most ${p.max}: ${p.why})` },
  FACTORISATION_TOO_LARGE: { status: 413, message: (p) => `${p.detail} (limit: ${p.limit})` },
  UNKNOWN_MODEL_FILE: { status: 404, message: (p) => `model "${p.model}" serves no file "${p.path}"; its files: ${p.available} (GET /api/models/${p.model}/files lists them)` },
  UNKNOWN_TENSOR: { status: 400, message: (p) => `model "${p.model}" has no tensor "${p.tensor}"; ask for one of ${p.available}` },
  NO_CONTACT_SHEET: { status: 404, message: (p) => `factorisation "${p.id}" has no contact sheet` },
  UNKNOWN_JOB: { status: 404, message: (p) => `no job "${p.id}" (ended jobs are kept for a while only)` },
  JOB_ENDED: { status: 409, message: (p) => `job "${p.id}" has already ${p.state}; there is nothing to cancel` },
  WORKER_STOPPED: { status: 503, message: (p) => `the server's ${p.what} thread stopped twice while working on this request (it has been restarted); send the request again, and if it keeps failing, ask for a smaller image or fewer samples` },
  INTERNAL: { status: 500, message: () => `internal error; see the server log` },
} satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    params: Record<string, string | number> = {},
    /** response headers the answer needs (Retry-After, WWW-Authenticate) */
    readonly headers: Record<string, string> = {},
  ) {
    super(ERRORS[code].message(params));
    this.statusCode = ERRORS[code].status;
  }
}

/** The JSON body of an error, as every response and raw socket answer carries it. */
export function errorBody(code: ErrorCode, params: Record<string, string | number> = {}): ErrorBody {
  const err = new ApiError(code, params);
  return { statusCode: err.statusCode, code, error: STATUS_CODES[err.statusCode] ?? "Error", message: err.message };
}

/** The JSON body of every error response. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}
