/**
 * Refuses requests a local server must not answer: a missing Host or one that is not ours (DNS
 * rebinding), a browser page on a foreign origin, and — in LAN mode — any API request or
 * WebSocket without the server's token. Requests without an Origin (curl, the CLI, the Photoshop
 * panel) and pages served by this server itself pass the origin check.
 *
 * Origins allowed with --allow-origin (e.g. the standalone site on a static host) may call the
 * API from the browser: their requests get CORS headers (the origin echoed, our response headers
 * exposed) and their preflights are answered here, before the token check (a browser never sends
 * credentials on a preflight; the real request still needs the token). A dozen headers are not
 * worth a dependency that would apply an origin rule of its own beside this one.
 */
import fp from "fastify-plugin";
import { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AddressInfo } from "node:net";
import { ApiError } from "../api/errors";
import { canonicalOrigin, originAllowed, parseAllowedOrigin, serverNames, splitHost } from "../security/origins";
import { IMAGE_HEADERS } from "../api/generate";
import { PARTS_HEADERS } from "../api/image-parts";
import { AccessToken, presentedToken } from "../security/access-token";

export interface RequestGuardOptions {
  host: string;
  /** extra origins allowed to call the API from a browser (CORS), e.g. the standalone site on a static host */
  allowedOrigins: string[];
  /** LAN mode: every API request and the WebSocket must present this token */
  token?: AccessToken;
}

const CORS_METHODS = "GET, POST, PATCH, PUT, DELETE";
const CORS_REQUEST_HEADERS = "accept, authorization, content-type";
const CORS_EXPOSED_HEADERS = [...Object.values(IMAGE_HEADERS), ...Object.values(PARTS_HEADERS), "server-timing", "retry-after"].join(", ");

export default fp<RequestGuardOptions>(
  async (app: FastifyInstance, opts) => {
    const names = serverNames(opts.host);
    const extraOrigins = new Set(opts.allowedOrigins.map(parseAllowedOrigin));
    const crossOrigin = (origin: string | undefined): origin is string => origin !== undefined && extraOrigins.has(canonicalOrigin(origin) ?? "");
    // The port is known once the server listens and never changes after: read it once, not per request.
    let ourPort: string | null = null;
    const listeningPort = (): string | null => {
      if (ourPort === null) {
        const address = app.server.address() as AddressInfo | null;
        ourPort = address && typeof address === "object" ? String(address.port) : null;
      }
      return ourPort;
    };
    // A Host without a port may mean any port (clients drop default ports); an Origin may not.
    const hostAllowed = (hostHeader: string): boolean => {
      const { name, port } = splitHost(hostHeader);
      const ours = listeningPort();
      return names.has(name) && (ours === null || port === null || port === ours);
    };
    const expected = () => `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${listeningPort() ?? "PORT"}`;

    // After the routes set theirs: every response header the client reads, readable cross-origin.
    app.addHook("onSend", async (request, reply) => {
      if (crossOrigin(request.headers.origin)) reply.header("access-control-expose-headers", CORS_EXPOSED_HEADERS);
    });

    app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
      const host = request.headers.host;
      if (host === undefined || host === "") throw new ApiError("MISSING_HOST", { expected: expected().replace(/^http:\/\//, "") });
      if (!hostAllowed(host)) throw new ApiError("FORBIDDEN_HOST", { host, expected: expected() });
      const origin = request.headers.origin;
      const allowedCrossOrigin = crossOrigin(origin);
      if (origin !== undefined && !allowedCrossOrigin && !originAllowed(origin, names, listeningPort()))
        throw new ApiError("FORBIDDEN_ORIGIN", { origin, expected: expected() });
      if (allowedCrossOrigin) {
        reply.header("access-control-allow-origin", origin).header("vary", "Origin");
        if (request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined) {
          reply.header("access-control-allow-methods", CORS_METHODS).header("access-control-allow-headers", CORS_REQUEST_HEADERS).header("access-control-max-age", "600");
          // Chrome's Private Network Access: a public site may call a server on this machine only when it says so
          if (request.headers["access-control-request-private-network"] === "true") reply.header("access-control-allow-private-network", "true");
          return reply.code(204).send();
        }
      }
      // The editor's own files hold no data; everything under /api does.
      if (opts.token && request.url.startsWith("/api")) {
        const presented = presentedToken(request.headers);
        if (presented === null) throw new ApiError("UNAUTHORIZED", { why: "this server is in LAN mode and the request carries no token", file: opts.token.file });
        if (!opts.token.matches(presented)) throw new ApiError("UNAUTHORIZED", { why: "the token is not this server's", file: opts.token.file });
      }
    });
  },
  { name: "request-guard" },
);
