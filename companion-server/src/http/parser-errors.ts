/**
 * Answers for requests that never reach fastify's routing: Node's HTTP parser refuses them
 * (bad framing, bad header bytes, unknown methods) or Node answers them itself (Expect). They
 * get the same JSON error body as every other error, written straight to the socket.
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { Socket } from "node:net";
import { ErrorCode, errorBody } from "../api/errors";

/** What to fix, per llhttp error code (Node's `err.code` on a clientError). */
const PARSER_PROBLEMS: Record<string, string> = {
  HPE_INVALID_METHOD: "unknown method; this server answers GET, POST, DELETE and HEAD, in capitals",
  HPE_INVALID_URL: "the URL has characters that must be percent-encoded (spaces, control characters or non-ASCII)",
  HPE_INVALID_CONSTANT: "the request line is not \"METHOD /path HTTP/1.1\"",
  HPE_INVALID_VERSION: "the HTTP version is not 1.0 or 1.1",
  HPE_INVALID_HEADER_TOKEN: "a header name or value has a character headers cannot hold (control characters, or a space before the colon)",
  HPE_INVALID_CONTENT_LENGTH: "Content-Length is not a single decimal number",
  HPE_UNEXPECTED_CONTENT_LENGTH: "Content-Length and Transfer-Encoding are both set; send one of them",
  HPE_INVALID_TRANSFER_ENCODING: "Transfer-Encoding is not chunked as the last coding (or is combined with Content-Length)",
  HPE_INVALID_CHUNK_SIZE: "a chunk size of the chunked body is not a hexadecimal number",
  HPE_CR_EXPECTED: "lines must end with CRLF",
  HPE_LF_EXPECTED: "lines must end with CRLF",
  HPE_INVALID_EOF_STATE: "the connection ended in the middle of the request",
  HPE_UNEXPECTED_SPACE: "a space where the request line or a header does not allow one",
};

function writeError(socket: Socket, code: ErrorCode, params: Record<string, string | number> = {}): void {
  const answer = errorBody(code, params);
  const body = JSON.stringify(answer);
  const head = `HTTP/1.1 ${answer.statusCode} ${answer.error}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  socket.end(head + body);
}

/** fastify's `clientErrorHandler`: the parser's refusals as JSON errors that name the problem. */
export function clientErrorHandler(err: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Socket): void {
  // A reset connection has nobody to answer (Node's own advice for clientError).
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  if (!socket.writable) return void socket.destroy();
  if (err.code === "HPE_HEADER_OVERFLOW") return writeError(socket, "HEADERS_TOO_LARGE");
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return writeError(socket, "REQUEST_TIMEOUT");
  const detail = PARSER_PROBLEMS[err.code ?? ""] ?? `${(err.message || "unreadable request").replace(/^Parse Error: /, "").replace(/\.$/, "")}; check the request line and headers`;
  writeError(socket, "MALFORMED_REQUEST", { detail });
}

/** Node's 'checkExpectation': any Expect other than 100-continue (which Node handles) gets a JSON 417. */
export function refuseExpectation(request: IncomingMessage, response: ServerResponse): void {
  const body = errorBody("EXPECTATION_FAILED", { expect: String(request.headers.expect ?? "") });
  response.writeHead(body.statusCode, { "content-type": "application/json; charset=utf-8", connection: "close" });
  response.end(JSON.stringify(body));
}

/** The longest path segment the router takes (fastify's maxParamLength). */
export const MAX_PARAM_LENGTH = 200;

/**
 * fastify's `frameworkErrors`: the router's own refusals (a segment that is not valid
 * percent-encoding, one over the length limit) in the registry's body instead of fastify's.
 */
export function routerErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.raw.url ?? "";
  const body =
    err.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? errorBody("URL_TOO_LONG", { length: Math.max(...path.split(/[/?]/).map((s) => s.length)), max: MAX_PARAM_LENGTH })
      : errorBody("BAD_URL", { segment: (/'(.*)' is not a valid url component/.exec(err.message)?.[1] ?? path).slice(0, 100) });
  void reply.status(body.statusCode).type("application/json").send(body);
}
