/**
 * Refuses requests a local server must not answer: a missing Host or one that is not ours (DNS
 * rebinding), a browser page on a foreign origin, and — in LAN mode — any API request or
 * WebSocket without the server's token. Requests without an Origin (curl, the CLI, the Photoshop
 * panel) and pages served by this server itself pass the origin check.
 */
import fp from "fastify-plugin";
import { FastifyInstance, FastifyRequest } from "fastify";
import { AddressInfo } from "node:net";
import { ApiError } from "../api/errors";
import { originAllowed, serverNames, splitHost } from "../security/origins";
import { AccessToken, presentedToken } from "../security/access-token";

export interface RequestGuardOptions {
  host: string;
  /** extra origins allowed to call the API, e.g. a dev server */
  allowedOrigins: string[];
  /** LAN mode: every API request and the WebSocket must present this token */
  token?: AccessToken;
}

export default fp<RequestGuardOptions>(
  async (app: FastifyInstance, opts) => {
    const names = serverNames(opts.host);
    const extraOrigins = new Set(opts.allowedOrigins.map((o) => o.replace(/\/$/, "").toLowerCase()));
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

    app.addHook("onRequest", async (request: FastifyRequest) => {
      const host = request.headers.host;
      if (host === undefined || host === "") throw new ApiError("MISSING_HOST", { expected: expected().replace(/^http:\/\//, "") });
      if (!hostAllowed(host)) throw new ApiError("FORBIDDEN_HOST", { host, expected: expected() });
      const origin = request.headers.origin;
      if (origin !== undefined && !extraOrigins.has(origin.replace(/\/$/, "").toLowerCase()) && !originAllowed(origin, names, listeningPort()))
        throw new ApiError("FORBIDDEN_ORIGIN", { origin, expected: expected() });
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
