/** GET /api/events: a WebSocket carrying every job event as one JSON message (see api/jobs JobEventSchema). */
import { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { JobEventMessage } from "../../api/jobs";

const events: FastifyPluginAsyncTypebox = async (app) => {
  app.get("/api/events", { websocket: true }, (socket) => {
    const unsubscribe = app.jobs.subscribe((event: JobEventMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
    });
    socket.on("close", unsubscribe);
    // Clients only listen; anything they send is ignored.
    socket.on("message", () => {});
  });
};
export default events;
