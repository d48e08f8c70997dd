/**
 * Turns every failure into the one error body of api/errors: our ApiErrors as they are,
 * fastify's own (validation, body parsing, size) with messages that say what to fix,
 * and anything else as a 500 whose details stay in the log.
 */
import fp from "fastify-plugin";
import { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, ErrorBody, ErrorCode } from "../api/errors";
import { STATUS_CODES } from "node:http";
import { WorkerStoppedError } from "../runtime/worker-calls";

function send(reply: FastifyReply, statusCode: number, code: string, message: string): FastifyReply {
  const body: ErrorBody = { statusCode, code, error: STATUS_CODES[statusCode] ?? "Error", message };
  return reply.status(statusCode).type("application/json").send(body);
}

function sendApiError(reply: FastifyReply, err: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
  return send(reply, err.statusCode, err.code, err.message);
}

/** Maps fastify's built-in error codes to ours. */
function translate(err: FastifyError, bodyLimit: number, request: FastifyRequest): ApiError | null {
  switch (err.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ApiError("MALFORMED_JSON", { detail: err.message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'$/, "check quotes, commas and brackets") });
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError("BODY_TOO_LARGE", { limit: bodyLimit });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      // fastify's message names the status, not the type: name what the client sent.
      return new ApiError("UNSUPPORTED_MEDIA_TYPE", { type: String(request.headers["content-type"] ?? "none").slice(0, 100) });
    default:
      return null;
  }
}

function validationMessage(err: FastifyError): string {
  const context = err.validationContext ?? "body";
  const problems = (err.validation ?? []).map((v) => {
    const where = `${context}${v.instancePath ? v.instancePath.replace(/\//g, ".") : ""}`;
    if (v.keyword === "additionalProperties") return `${where} has an unknown field "${(v.params as { additionalProperty: string }).additionalProperty}"`;
    if (v.keyword === "type" && (v.params as { type: string }).type === "number") return `${where} must be a finite number`;
    if (v.keyword === "required") return `${where} is missing the field "${(v.params as { missingProperty: string }).missingProperty}"`;
    return `${where} ${v.message}`;
  });
  return problems.join("; ") || err.message;
}

export default fp<{ bodyLimit: number }>(
  async (app: FastifyInstance, opts) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (err instanceof ApiError) return sendApiError(reply, err);
      // A worker thread died under this request, twice: the server is fine and a retry may pass.
      if (err instanceof WorkerStoppedError) {
        request.log.warn({ err }, "a worker thread stopped under a request");
        return sendApiError(reply, new ApiError("WORKER_STOPPED", { what: err.what }, { "retry-after": "1" }));
      }
      if (err.validation) return send(reply, 400, "BAD_REQUEST" satisfies ErrorCode, validationMessage(err));
      const known = translate(err, opts.bodyLimit, request);
      if (known) return sendApiError(reply, known);
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return send(reply, err.statusCode, err.code ?? "BAD_REQUEST", err.message);
      request.log.error({ err }, "request failed");
      return sendApiError(reply, new ApiError("INTERNAL"));
    });
    app.setNotFoundHandler((request, reply) => sendApiError(reply, new ApiError("UNKNOWN_ROUTE", { method: request.method, url: request.url.split("?")[0] })));
  },
  { name: "error-handler" },
);
