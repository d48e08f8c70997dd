/**
 * The project's own fuzz suite: a seeded, bounded stream of malformed requests of every kind the
 * hardening issue names — broken HTTP framing and header bytes, lowercase and unknown methods,
 * missing and foreign Hosts, foreign and port-less Origins, odd content types and encodings,
 * Expect, WebSocket upgrades to any path, mutated JSON bodies (wrong types, float64 extremes,
 * deep nesting, traversal and Windows device names) and hostile path parameters — sent over raw
 * loopback sockets to every route of a real server. It asserts no 5xx, the one JSON error body on
 * every 4xx, a server that still answers, and no file written outside the data folder.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { AddressInfo } from "node:net";
import { FastifyInstance } from "fastify";
import WebSocket from "ws";
import { createRng } from "../../companion-server/src/runtime/random";
import { writeTinyBundle } from "../../companion-server/src/tiny-model/build-tiny-bundle";
import { rawRequest, RawResponse } from "../helpers/raw-http";
import { buildTestApp, tempDir } from "../helpers/server";
import { plantedModel, savePlanted } from "../engine/product/fixtures";

const SEED = 14;
const REQUESTS = 1500;
const CONCURRENCY = 8;

const PLANTED = "planted";
/** One folder holding the models and the data folder, so that any write outside the data folder shows. */
const sandbox = tempDir("panda-fuzz-");
const dataDir = join(sandbox.dir, "data");
let app: FastifyInstance;
let close: () => Promise<void>;
let port: number;
let imageId: string;
beforeAll(async () => {
  await writeTinyBundle(join(sandbox.dir, "models", "tiny-test"));
  ({ app, close } = await buildTestApp({ modelDirs: [join(sandbox.dir, "models")], dataDir, jobLimit: 2, webRoot: join(__dirname, "..", "..", "dist", "web") }));
  await savePlanted(dataDir, PLANTED, await plantedModel(app.generators.get("tiny-test")!));
  app.factorisations.load();
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as AddressInfo).port;
  const res = await app.inject({ method: "POST", url: "/api/generate", payload: { model: "tiny-test", seed: 3 } });
  imageId = res.headers["x-image-id"] as string;
});
afterAll(async () => {
  await close();
  sandbox.remove();
});

/** Every file under `dir` with its size and modification time. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const s = statSync(path);
      if (s.isDirectory()) walk(path);
      else out[relative(dir, path)] = `${s.size}@${s.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];

const HOSTILE_STRINGS = ["", " ", "../../../../etc/passwd", "..%2f..%2fetc", "con", "LPT1.txt", "a.", "a".repeat(5000), "\u0000", "名前", "%00", "<script>", "${jndi:x}", "planted", "PLANTED", "1e999", "-1", "null"];
const HOSTILE_NUMBERS = [0, -1, 1.5, 1e39, -1e300, 1e308, 2 ** 53, 4294967296, -0, 65, 3.4028234663852886e38];

/** A JSON value of a random kind, sometimes deep or large. */
function randomValue(rng: Rng, depth = 0): unknown {
  const kind = Math.floor(rng() * (depth > 3 ? 5 : 8));
  switch (kind) {
    case 0:
      return pick(rng, HOSTILE_NUMBERS);
    case 1:
      return pick(rng, HOSTILE_STRINGS);
    case 2:
      return rng() < 0.5;
    case 3:
      return null;
    case 4:
      return Math.floor(rng() * 20);
    case 5:
      return Array.from({ length: Math.floor(rng() * 6) }, () => randomValue(rng, depth + 1));
    case 6:
      return Object.fromEntries(Array.from({ length: Math.floor(rng() * 4) }, () => [pick(rng, ["model", "seed", "parts", "x", "__proto__", "constructor"]), randomValue(rng, depth + 1)]));
    default:
      return new Array(1 + Math.floor(rng() * 3)).fill(0).reduce((v) => [v], 0); // nested arrays
  }
}

/** Valid bodies per route, then mutated: a field replaced, removed, or added. */
function validBody(path: string): Record<string, unknown> {
  if (path === "/api/generate") return { model: "tiny-test", seed: 1, truncation: 0.7 };
  if (path === "/api/factorisations") return { model: "tiny-test", layer: "4x4", parts: 2, appearances: 4, samples: 8, seed: 1, name: "fuzzed" };
  if (path.endsWith("/masks")) return { factorisation: PLANTED, parts: [0], kind: "binary" };
  if (path.endsWith("/saliency")) return { factorisation: PLANTED, appearance: 0, output: "heat" };
  if (path.endsWith("/edits")) return { factorisation: PLANTED, edits: [{ parts: [0], appearance: 1, strength: 2 }] };
  if (path.endsWith("/removal")) return { factorisation: PLANTED, parts: [0], method: "pixel" };
  return {};
}

function mutatedBody(rng: Rng, path: string): string {
  const body: Record<string, unknown> = validBody(path);
  const keys = Object.keys(body);
  const r = rng();
  if (r < 0.1) return pick(rng, ["{", "[]", "null", '"x"', "{\"a\":}", "\u0000\u0001", "1e999", "{\"model\":\"tiny-test\",\"latent\":[1e39]}", JSON.stringify(body).slice(0, 7)]);
  if (r < 0.15) return JSON.stringify({ model: "tiny-test", latent: Array.from({ length: 16 }, () => pick(rng, HOSTILE_NUMBERS)) });
  const mutations = 1 + Math.floor(rng() * 3);
  for (let i = 0; i < mutations; i++) {
    const m = rng();
    if (m < 0.5 && keys.length > 0) body[pick(rng, keys)] = randomValue(rng);
    else if (m < 0.7 && keys.length > 0) delete body[pick(rng, keys)];
    else body[pick(rng, ["sed", "latent", "name", "edits", "parts", "refine", "threshold"])] = randomValue(rng);
  }
  return JSON.stringify(body);
}

/** Routes of the API with their path parameters filled from valid and hostile values. */
function randomTarget(rng: Rng, routes: string[]): { method: string; path: string } {
  const route = pick(rng, [...routes, "GET /", "GET /index.js", "GET /nowhere", "GET /api/nothing", "POST /api/health"]);
  const [method, template] = route.split(" ");
  const fill = () => encodeURIComponent(pick(rng, [...HOSTILE_STRINGS, imageId, PLANTED, "tiny-test"]));
  let path = template.replace(/:id/g, () => (rng() < 0.5 ? (template.includes("images") ? imageId : PLANTED) : fill()));
  if (rng() < 0.3) path += `?${pick(rng, ["factorisation", "model", "layer", "refine", "x"])}=${fill()}${rng() < 0.3 ? `&${pick(rng, ["factorisation", "refine"])}=${fill()}` : ""}`;
  if (rng() < 0.05) path = path.replace("/api", pick(rng, ["/API", "//api", "/api/../api", "/%61pi"]));
  return { method, path };
}

/** One raw request of a random kind: well-framed with hostile parts, or broken at the HTTP level. */
function randomRequest(rng: Rng, routes: string[]): string {
  const { method, path } = randomTarget(rng, routes);
  const hostLine = pick(rng, [`Host: 127.0.0.1:${port}`, `Host: 127.0.0.1:${port}`, `Host: localhost:${port}`, "Host: evil.example", `Host: 127.0.0.1:1`, "", "Host: "]);
  const headers: string[] = hostLine ? [hostLine] : [];
  if (rng() < 0.2) headers.push(`Origin: ${pick(rng, ["http://evil.example", "http://localhost", "http://127.0.0.1", "http://127.0.0.1:80", "http://[::1]", "null", `http://127.0.0.1:${port}`, "https://127.0.0.1"])}`);
  if (rng() < 0.1) headers.push(`Accept: ${pick(rng, ["image/jpeg", "application/octet-stream", "application/json", "*/*", "text/html;q=0", "image/png;q=2"])}`);
  if (rng() < 0.1) headers.push(`Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==`);
  if (rng() < 0.05) headers.push(`Expect: ${pick(rng, ["bogus", "100-continue", ""])}`);
  if (rng() < 0.05) headers.push(`Authorization: Bearer ${pick(rng, HOSTILE_STRINGS.slice(0, 6))}`);
  const broken = rng();
  if (broken < 0.04) return `${method.toLowerCase()} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`;
  if (broken < 0.06) return `${pick(rng, ["BREW", "PATCH", "PUT", "OPTIONS", "TRACE", "G ET"])} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`;
  if (broken < 0.08) return `${method} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\nX-Bad: a${String.fromCharCode(1 + Math.floor(rng() * 8))}b\r\n\r\n`;
  if (broken < 0.1) return `${method} /api/\xe9${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`;
  if (broken < 0.11) return `${method} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\nX-Big: ${"b".repeat(17000)}\r\n\r\n`;
  if (broken < 0.13) return `POST ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`;
  if (broken < 0.14) return `POST ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\nContent-Length: -1\r\n\r\n`;
  if (method !== "POST" && rng() < 0.8) return `${method} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`;
  const body = rng() < 0.05 ? Buffer.from(Array.from({ length: 64 }, () => Math.floor(rng() * 256))) : Buffer.from(mutatedBody(rng, path.split("?")[0]));
  const type = pick(rng, ["application/json", "application/json", "application/json", "application/json; charset=utf-8", "text/plain", "text/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "", "application/json; charset=latin1"]);
  if (type) headers.push(`Content-Type: ${type}`);
  if (rng() < 0.05) headers.push(`Content-Encoding: ${pick(rng, ["gzip", "br", "deflate", "identity", "x"])}`);
  return `${method} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\nContent-Length: ${body.length}\r\n\r\n` + body.toString("latin1");
}

function checkAnswer(request: string, res: RawResponse): string | null {
  if (res.status >= 500) return `${res.status} for ${JSON.stringify(request.slice(0, 200))}: ${res.body.slice(0, 300)}`;
  if (res.status < 400) return null;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.body);
  } catch {
    return `${res.status} without a JSON body for ${JSON.stringify(request.slice(0, 200))}: ${JSON.stringify(res.body.slice(0, 200))}`;
  }
  const shaped = body.statusCode === res.status && typeof body.code === "string" && typeof body.error === "string" && typeof body.message === "string" && (body.message as string).length > 0;
  return shaped ? null : `${res.status} with a body that is not {statusCode, code, error, message} for ${JSON.stringify(request.slice(0, 200))}: ${res.body.slice(0, 300)}`;
}

it(`answers ${REQUESTS} seeded malformed requests to every route without a 5xx, always in JSON, and keeps serving`, async () => {
  const routes = ((await (await fetch(`http://127.0.0.1:${port}/api`)).json()) as { routes: string[] }).routes;
  expect(routes.length).toBeGreaterThanOrEqual(12);
  const outsideData = () => Object.fromEntries(Object.entries(tree(sandbox.dir)).filter(([path]) => !path.startsWith(`data/`)));
  const before = outsideData();
  const repoBefore = readdirSync(process.cwd()).sort();

  const rng = createRng(SEED);
  const requests = Array.from({ length: REQUESTS }, () => randomRequest(rng, routes));
  const statuses: Record<string, number> = {};
  const failures: string[] = [];
  for (let i = 0; i < requests.length; i += CONCURRENCY) {
    await Promise.all(
      requests.slice(i, i + CONCURRENCY).map(async (request) => {
        const res = await rawRequest(port, Buffer.from(request, "latin1"), { timeoutMs: 20000 });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const problem = checkAnswer(request, res);
        if (problem) failures.push(problem);
      }),
    );
  }

  // WebSocket abuse: oversized and binary messages, then the stream still works for others.
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const closed = new Promise<number>((resolve) => ws.once("close", resolve));
  ws.send(Buffer.alloc(100 * 1024, 7));
  expect(await closed).toBe(1009); // message too big

  const summary = { seed: SEED, requests: REQUESTS, statuses, "5xx": Object.entries(statuses).filter(([s]) => Number(s) >= 500).reduce((a, [, n]) => a + n, 0) };
  process.stdout.write(`fuzz: ${JSON.stringify(summary)}\n`);
  expect(failures).toEqual([]);
  expect(summary["5xx"]).toBe(0);
  expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
  // Whatever was written went into the data folder: the models beside it and the working folder are as they were.
  expect(outsideData()).toEqual(before);
  expect(readdirSync(process.cwd()).sort()).toEqual(repoBefore);
});
