/**
 * CORS for sites allowed with --allow-origin (the standalone site on a static host calling a
 * companion server): exactly those origins — scheme, host and port — get CORS headers and
 * answered preflights, on HTTP and on the WebSocket upgrade; every other origin is refused as
 * before; in LAN mode the token is still required for the real request.
 */
import { startTestServer } from "../helpers/server";
import { rawRequest } from "../helpers/raw-http";
import { accessToken } from "../../companion-server/src/security/access-token";
import { canonicalOrigin, parseAllowedOrigin } from "../../companion-server/src/security/origins";

const SITE = "https://studio.example";
const DEV = "http://localhost:3000";
const upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

describe("on loopback", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => (server = await startTestServer({ allowedOrigins: [`${SITE}/`, DEV] })));
  afterAll(async () => server.close());
  const port = () => Number(new URL(server.url).port);

  it("answers an allowed site's preflight with the methods and headers the panel sends", async () => {
    const res = await fetch(`${server.url}/api/generate`, {
      method: "OPTIONS",
      headers: { origin: SITE, "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization", "access-control-request-private-network": "true" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(SITE);
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("accept, authorization, content-type");
    expect(res.headers.get("access-control-allow-private-network")).toBe("true");
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("lets an allowed site read answers and the image headers", async () => {
    const res = await fetch(`${server.url}/api/generate`, { method: "POST", headers: { origin: DEV, accept: "application/octet-stream", "content-type": "application/json" }, body: JSON.stringify({ model: "tiny-test", seed: 1 }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(DEV);
    expect(res.headers.get("access-control-expose-headers")?.split(", ")).toEqual(expect.arrayContaining(["x-image-id", "x-image-width", "x-image-height", "x-saliency-threshold", "server-timing"]));
    // errors too, so the page can show the message
    const bad = await fetch(`${server.url}/api/images/nope`, { headers: { origin: DEV } });
    expect(bad.status).toBe(404);
    expect(bad.headers.get("access-control-allow-origin")).toBe(DEV);
  });

  it("gives pages of this server itself and requests without an Origin no CORS headers", async () => {
    const asked: Record<string, string>[] = [{}, { origin: server.url }];
    for (const headers of asked) {
      const res = await fetch(`${server.url}/api/models`, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    }
  });

  // scheme, host and port exactly: another port, scheme or subdomain is another site
  const nearMisses = ["https://studio.example:8443", "http://studio.example", "https://evil.studio.example", "http://localhost:3001", "https://localhost:3000", "null"];

  it.each(nearMisses)("refuses %s: preflight, request and WebSocket, with no CORS headers", async (origin) => {
    const preflight = await fetch(`${server.url}/api/generate`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const res = await fetch(`${server.url}/api/models`, { headers: { origin } });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("FORBIDDEN_ORIGIN");
    const ws = await rawRequest(port(), `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nOrigin: ${origin}\r\n${upgrade}\r\n`);
    expect(ws.status).toBe(403);
  });

  it("upgrades the WebSocket for an allowed site, its default port spelled or not", async () => {
    for (const origin of [SITE, "https://studio.example:443"]) {
      const ws = await rawRequest(port(), `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nOrigin: ${origin}\r\n${upgrade}\r\n`);
      expect(ws.status).toBe(101);
    }
  });
});

describe("in LAN mode", () => {
  const TOKEN = "t".repeat(40);
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => (server = await startTestServer({ allowedOrigins: [SITE], token: accessToken(TOKEN, "/tmp/panda-token") })));
  afterAll(async () => server.close());

  it("answers the preflight without the token (browsers never send it there), then requires it", async () => {
    const preflight = await fetch(`${server.url}/api/models`, { method: "OPTIONS", headers: { origin: SITE, "access-control-request-method": "GET", "access-control-request-headers": "authorization" } });
    expect(preflight.status).toBe(204);
    const without = await fetch(`${server.url}/api/models`, { headers: { origin: SITE } });
    expect(without.status).toBe(401);
    // readable by the page, so it can say why
    expect(without.headers.get("access-control-allow-origin")).toBe(SITE);
    expect((await without.json()).code).toBe("UNAUTHORIZED");
    const withToken = await fetch(`${server.url}/api/models`, { headers: { origin: SITE, authorization: `Bearer ${TOKEN}` } });
    expect(withToken.status).toBe(200);
  });
});

test("--allow-origin values are origins: scheme, host and port, nothing more", () => {
  expect(parseAllowedOrigin("https://Studio.Example/")).toBe("https://studio.example:443");
  expect(parseAllowedOrigin("http://localhost:3000")).toBe("http://localhost:3000");
  for (const bad of ["studio.example", "https://studio.example/app", "ftp://studio.example", "https://user@studio.example", "*", "https://studio.example?x=1"])
    expect(() => parseAllowedOrigin(bad)).toThrow(`"${bad}" is not an origin`);
  expect(canonicalOrigin("null")).toBeNull();
});
