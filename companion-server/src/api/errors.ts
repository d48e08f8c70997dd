/**
 * The one registry of errors the server returns. Each has a code (equal to its key), an HTTP
 * status and a message template that says what to fix. 5xx details never reach clients.
 */
export interface ErrorSpec {
  status: number;
  message: (p: Record<string, string | number>) => string;
}

export const ERRORS = {
  UNKNOWN_MODEL: { status: 404, message: (p) => `unknown model "${p.model}"; available: ${p.available}` },
  UNKNOWN_LAYER: { status: 400, message: (p) => `model "${p.model}" has no layer "${p.layer}"; layers: ${p.available}` },
  UNKNOWN_IMAGE: { status: 404, message: (p) => `no image with id "${p.id}" (images are kept for the most recent ${p.capacity}; generate it again)` },
  UNKNOWN_ROUTE: { status: 404, message: (p) => `no route ${p.method} ${p.url}; the API is listed at GET /api` },
  BAD_REQUEST: { status: 400, message: (p) => `${p.detail}` },
  LATENT_LENGTH: { status: 400, message: (p) => `latent has ${p.got} values; model "${p.model}" needs exactly ${p.expected}` },
  SEED_AND_LATENT: { status: 400, message: () => `give either "seed" or "latent", not both` },
  MALFORMED_JSON: { status: 400, message: (p) => `the body is not valid JSON (${p.detail})` },
  BODY_TOO_LARGE: { status: 413, message: (p) => `the body is larger than the limit of ${p.limit} bytes` },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: (p) => `content type "${p.type}" is not accepted; send application/json` },
  NOT_ACCEPTABLE: { status: 406, message: (p) => `cannot answer with "${p.accept}"; ask for ${p.offered}` },
  FORBIDDEN_ORIGIN: { status: 403, message: (p) => `requests from origin "${p.origin}" are refused; open the editor at ${p.expected} or start the server with --allow-origin` },
  FORBIDDEN_HOST: { status: 403, message: (p) => `Host "${p.host}" is not this server's address; use ${p.expected}` },
  UNKNOWN_FACTORISATION: { status: 404, message: (p) => `no factorisation "${p.id}"; saved ones are listed at GET /api/factorisations` },
  FACTORISATION_MISMATCH: { status: 400, message: (p) => `factorisation "${p.id}" was fitted on model "${p.model}" layer "${p.layer}"; image "${p.image}" is of model "${p.imageModel}"` },
  FACTORISATION_EXISTS: { status: 409, message: (p) => `a factorisation "${p.id}" exists already; choose another name` },
  FACTORISATION_READ_ONLY: { status: 403, message: (p) => `factorisation "${p.id}" ships with model "${p.model}" and is read-only` },
  UNKNOWN_PART: { status: 400, message: (p) => `there is no part ${p.index}; factorisation "${p.id}" has ${p.count} parts (0 … ${Number(p.count) - 1})` },
  UNKNOWN_APPEARANCE: { status: 400, message: (p) => `there is no appearance ${p.index}; factorisation "${p.id}" has ${p.count} appearances (0 … ${Number(p.count) - 1})` },
  RANK_TOO_LARGE: { status: 400, message: (p) => `${p.what} = ${p.got} is too large for layer "${p.layer}" of model "${p.model}" (at most ${p.max}: ${p.why})` },
  NO_CONTACT_SHEET: { status: 404, message: (p) => `factorisation "${p.id}" has no contact sheet` },
  UNKNOWN_JOB: { status: 404, message: (p) => `no job "${p.id}" (ended jobs are kept for a while only)` },
  JOB_ENDED: { status: 409, message: (p) => `job "${p.id}" has already ${p.state}; there is nothing to cancel` },
  INTERNAL: { status: 500, message: () => `internal error; see the server log` },
} satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    params: Record<string, string | number> = {},
  ) {
    super(ERRORS[code].message(params));
    this.statusCode = ERRORS[code].status;
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}
