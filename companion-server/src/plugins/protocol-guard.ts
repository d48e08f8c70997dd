/**
 * Refuses requests the routes cannot serve as sent, before any route runs: a body under a
 * Content-Encoding this server does not decode (it would be read as plain JSON), and a WebSocket
 * upgrade to any path but the event stream (it would be accepted, then closed).
 */
import fp from "fastify-plugin";
import { FastifyInstance, FastifyRequest } from "fastify";
import { IncomingMessage } from "node:http";
import { ApiError } from "../api/errors";

export const EVENTS_PATH = "/api/events";

/** Node sets `upgrade` on requests it emitted as 'upgrade' events (@types/node does not declare it). */
const isUpgrade = (request: FastifyRequest) => (request.raw as IncomingMessage & { upgrade?: boolean }).upgrade === true;

export default fp(
  async (app: FastifyInstance) => {
    app.addHook("onRequest", async (request: FastifyRequest) => {
      const encoding = request.headers["content-encoding"];
      if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") throw new ApiError("UNSUPPORTED_ENCODING", { encoding });
      // An upgrade to no route at all gets the 404 of the not-found handler.
      if (isUpgrade(request) && !request.is404 && request.routeOptions.url !== EVENTS_PATH)
        throw new ApiError("NOT_A_WEBSOCKET", { path: request.url.split("?")[0], events: EVENTS_PATH });
    });
    // An upgrade answered with an error (refused here or by the request guard, before
    // @fastify/websocket marks the request) leaves a socket the HTTP server no longer manages:
    // close it, or it stays half-open and holds up the server's close.
    app.addHook("onResponse", async (request: FastifyRequest) => {
      if (isUpgrade(request)) request.raw.socket.destroy();
    });
  },
  { name: "protocol-guard" },
);
