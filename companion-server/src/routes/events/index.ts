/**
 * GET /api/events: a WebSocket carrying every job event as one JSON message (see api/jobs
 * JobEventSchema). A plain HTTP GET gets a 426 that says how to connect.
 */
import { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { JobEventMessage } from "../../api/jobs";
import { ApiError } from "../../api/errors";
import { EVENTS_PATH } from "../../plugins/protocol-guard";

const events: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    method: "GET",
    url: EVENTS_PATH,
    handler: async () => {
      throw new ApiError("UPGRADE_REQUIRED", { path: EVENTS_PATH }, { upgrade: "websocket", connection: "Upgrade" });
    },
    wsHandler: (socket) => {
      const unsubscribe = app.jobs.subscribe((event: JobEventMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
      });
      socket.on("close", unsubscribe);
      // Clients only listen; anything they send is ignored.
      socket.on("message", () => {});
    },
  });
};
export default events;
