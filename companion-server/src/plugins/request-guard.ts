/**
 * Refuses requests a local server must not answer: a Host that is not ours (DNS rebinding)
 * and a browser page on a foreign origin. Requests without an Origin (curl, the CLI, the
 * Photoshop panel) and pages served by this server itself pass.
 */
import fp from "fastify-plugin";
import { FastifyInstance, FastifyRequest } from "fastify";
import { AddressInfo } from "node:net";
import { ApiError } from "../api/errors";

export interface RequestGuardOptions {
  host: string;
  /** extra origins allowed to call the API, e.g. a dev server */
  allowedOrigins: string[];
}

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]", "::1"];

function splitHost(hostHeader: string): { name: string; port: string | null } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.toLowerCase());
  return m ? { name: m[1], port: m[2] ?? null } : { name: hostHeader, port: null };
}

export default fp<RequestGuardOptions>(
  async (app: FastifyInstance, opts) => {
    const names = new Set([...LOOPBACK_NAMES, opts.host.toLowerCase()]);
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
    const hostAllowed = (hostHeader: string): boolean => {
      const { name, port } = splitHost(hostHeader);
      const ours = listeningPort();
      return names.has(name) && (ours === null || port === null || port === ours);
    };
    const expected = () => `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${listeningPort() ?? "PORT"}`;

    app.addHook("onRequest", async (request: FastifyRequest) => {
      const host = request.headers.host ?? "";
      if (!hostAllowed(host)) throw new ApiError("FORBIDDEN_HOST", { host, expected: expected() });
      const origin = request.headers.origin;
      if (origin === undefined) return;
      const normalised = origin.replace(/\/$/, "").toLowerCase();
      if (extraOrigins.has(normalised)) return;
      let parsed: URL | null = null;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = null;
      }
      const sameServer = parsed !== null && (parsed.protocol === "http:" || parsed.protocol === "ws:") && hostAllowed(parsed.host);
      if (!sameServer) throw new ApiError("FORBIDDEN_ORIGIN", { origin, expected: expected() });
    });
  },
  { name: "request-guard" },
);
