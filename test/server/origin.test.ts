/** The local server refuses foreign browser origins and foreign Host headers (DNS rebinding). */
import { startTestServer } from "../helpers/server";
import { rawRequest } from "../helpers/raw-http";

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => (server = await startTestServer({ allowedOrigins: ["http://localhost:3000"] })));
afterAll(async () => server.close());

const port = () => new URL(server.url).port;
const get = (headers: Record<string, string>) => fetch(`${server.url}/api/models`, { headers });

it("serves requests without an Origin (curl, CLI, the Photoshop panel)", async () => {
  expect((await get({})).status).toBe(200);
});

it("serves pages of this server itself, by any loopback name", async () => {
  expect((await get({ origin: server.url })).status).toBe(200);
  expect((await get({ origin: `http://localhost:${port()}` })).status).toBe(200);
});

it("serves an origin allowed with --allow-origin", async () => {
  expect((await get({ origin: "http://localhost:3000" })).status).toBe(200);
});

// An Origin without a port means port 80: a page served on loopback port 80 is not this server.
const foreign = ["http://evil.example", `http://127.0.0.1:${1}`, "null", "https://127.0.0.1.evil.example", "http://localhost", "http://127.0.0.1", "http://127.0.0.1:80", "http://[::1]", "https://127.0.0.1"];
const upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

it.each(foreign)("refuses the browser origin %s on POST and on the WebSocket upgrade", async (origin) => {
  const post = await fetch(`${server.url}/api/generate`, { method: "POST", headers: { origin, "content-type": "application/json" }, body: JSON.stringify({ model: "tiny-test", seed: 1 }) });
  expect(post.status).toBe(403);
  const ws = await rawRequest(Number(port()), `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nOrigin: ${origin}\r\n${upgrade}\r\n`);
  expect(ws.status).toBe(403);
  expect(JSON.parse(ws.body).code).toBe("FORBIDDEN_ORIGIN");
});

it("upgrades the WebSocket for a page of this server", async () => {
  const ws = await rawRequest(Number(port()), `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nOrigin: ${server.url}\r\n${upgrade}\r\n`);
  expect(ws.status).toBe(101);
});

it.each(foreign)("refuses the browser origin %s", async (origin) => {
  const res = await get({ origin });
  expect(res.status).toBe(403);
  const body = await res.json();
  expect(body.code).toBe("FORBIDDEN_ORIGIN");
  expect(body.message).toContain("--allow-origin");
});

it("refuses a Host that is not this server's (DNS rebinding)", async () => {
  const res = await server.app.inject({ method: "GET", url: "/api/models", headers: { host: `evil.example:${port()}` } });
  expect(res.statusCode).toBe(403);
  expect(res.json()).toMatchObject({ code: "FORBIDDEN_HOST" });
  expect(res.json().message).toContain(`http://127.0.0.1:${port()}`);
});

it("refuses loopback names on another port in Host", async () => {
  const res = await server.app.inject({ method: "GET", url: "/api/models", headers: { host: "127.0.0.1:1" } });
  expect(res.statusCode).toBe(403);
});
