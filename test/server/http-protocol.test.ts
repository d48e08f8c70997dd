/**
 * Requests that never reach a route — refused by Node's HTTP parser, answered by Node itself, or
 * WebSocket upgrades — still get the one JSON error body with a code and a message that says
 * what to fix, and the server keeps serving.
 */
import { rawRequest } from "../helpers/raw-http";
import { startTestServer } from "../helpers/server";

let server: Awaited<ReturnType<typeof startTestServer>>;
let port: number;
beforeAll(async () => {
  server = await startTestServer();
  port = Number(new URL(server.url).port);
});
afterAll(async () => server.close());

const host = () => `Host: 127.0.0.1:${port}\r\n`;
const upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
const json = (extra: string, body = "{}") => `Content-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

const cases: [string, () => string, number, string, RegExp][] = [
  ["a lowercase method", () => `get /api/health HTTP/1.1\r\n${host()}\r\n`, 400, "MALFORMED_REQUEST", /unknown method; .*GET, POST, DELETE and HEAD, in capitals/],
  ["an unknown method", () => `BREW /api/health HTTP/1.1\r\n${host()}\r\n`, 400, "MALFORMED_REQUEST", /unknown method/],
  ["a Content-Length that is not a number", () => `POST /api/generate HTTP/1.1\r\n${host()}Content-Type: application/json\r\nContent-Length: 2x\r\n\r\n{}`, 400, "MALFORMED_REQUEST", /Content-Length is not a single decimal number/],
  ["Content-Length and Transfer-Encoding together", () => `POST /api/generate HTTP/1.1\r\n${host()}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}`, 400, "MALFORMED_REQUEST", /Transfer-Encoding|Content-Length/],
  ["a control character in a header", () => `GET /api/health HTTP/1.1\r\n${host()}X-Note: a\x01b\r\n\r\n`, 400, "MALFORMED_REQUEST", /a header name or value has a character headers cannot hold/],
  ["a non-ASCII URL", () => `GET /api/h\xe9alth HTTP/1.1\r\n${host()}\r\n`, 400, "MALFORMED_REQUEST", /must be percent-encoded/],
  ["headers over the limit", () => `GET /api/health HTTP/1.1\r\n${host()}X-Big: ${"a".repeat(20000)}\r\n\r\n`, 431, "HEADERS_TOO_LARGE", /send fewer or shorter headers/],
  ["no Host header", () => `GET /api/health HTTP/1.1\r\n\r\n`, 400, "MISSING_HOST", /no Host header; send "Host: 127\.0\.0\.1:\d+"/],
  ["Expect: bogus", () => `POST /api/generate HTTP/1.1\r\n${host()}Expect: bogus\r\n${json("")}`, 417, "EXPECTATION_FAILED", /Expect "bogus" is not supported/],
  ["GET /api/events without Upgrade", () => `GET /api/events HTTP/1.1\r\n${host()}\r\n`, 426, "UPGRADE_REQUIRED", /\/api\/events is a WebSocket; open it with new WebSocket/],
  ["a WebSocket upgrade to a plain route", () => `GET /api/health HTTP/1.1\r\n${host()}${upgrade}\r\n`, 400, "NOT_A_WEBSOCKET", /\/api\/health does not accept WebSocket connections; job events are at the WebSocket \/api\/events/],
  ["a WebSocket upgrade to no route", () => `GET /nowhere HTTP/1.1\r\n${host()}${upgrade}\r\n`, 404, "UNKNOWN_ROUTE", /no route GET \/nowhere/],
  ["a path segment over the length limit", () => `GET /api/factorisations/${"a".repeat(300)} HTTP/1.1\r\n${host()}\r\n`, 414, "URL_TOO_LONG", /a path segment of 300 characters is longer than the 200 allowed/],
  ["a path segment that is not valid percent-encoding", () => `GET /api/factorisations/%E0%A4%A HTTP/1.1\r\n${host()}\r\n`, 400, "BAD_URL", /is not valid percent-encoding; encode it with encodeURIComponent/],
  ["a gzip Content-Encoding on a plain body", () => `POST /api/generate HTTP/1.1\r\n${host()}${json("Content-Encoding: gzip\r\n", '{"model":"tiny-test","seed":1}')}`, 415, "UNSUPPORTED_ENCODING", /Content-Encoding "gzip" is not accepted; send the body uncompressed/],
  ["an unsupported content type", () => `POST /api/generate HTTP/1.1\r\n${host()}Content-Type: text/xml\r\nContent-Length: 2\r\n\r\n{}`, 415, "UNSUPPORTED_MEDIA_TYPE", /content type "text\/xml" is not accepted; send application\/json/],
];

describe.each(cases)("%s", (_name, request, status, code, message) => {
  it(`answers ${status} ${code} in JSON`, async () => {
    const res = await rawRequest(port, Buffer.from(request(), "latin1"));
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual({ statusCode: status, code, error: expect.any(String), message: expect.stringMatching(message) });
  });
});

it("tells a plain GET of the event stream how to upgrade (426 with Upgrade: websocket)", async () => {
  const res = await rawRequest(port, `GET /api/events HTTP/1.1\r\n${host()}\r\n`);
  expect(res.headers.upgrade).toBe("websocket");
});

it("still upgrades /api/events itself", async () => {
  const res = await rawRequest(port, `GET /api/events HTTP/1.1\r\n${host()}${upgrade}\r\n`);
  expect(res.status).toBe(101);
});

it("keeps serving after every refused request", async () => {
  for (const [, request] of cases) await rawRequest(port, Buffer.from(request(), "latin1"));
  expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
});
