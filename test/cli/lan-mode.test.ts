/**
 * LAN mode as a studio runs it, between two loopback addresses of this machine: `panda serve
 * --host 127.0.0.2` (beyond 127.0.0.1, so LAN mode) makes a 0600 token on first start and shows
 * it once; the panel's client, connecting from 127.0.0.1 with the token, runs a whole session
 * (health, models, generate, a factorisation job with events over the WebSocket); without the
 * token, or with another, every API request and the WebSocket get 401. A token file others can
 * read stops the server from starting.
 */
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { chmodSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { HttpPandaClient } from "../../plugin/src/client/http-client";
import { ClientError } from "../../plugin/src/client/errors";
import type { WebSocketFactory } from "../../plugin/src/client/job-events";
import type { JobEventMessage } from "../../plugin/src/client/client";
import { rawRequest } from "../helpers/raw-http";
import { tempDir, tinyModelsDir } from "../helpers/server";

const BIN = join(__dirname, "..", "..", "companion-server", "bin", "panda.js");
const LAN_HOST = "127.0.0.2";

let models: { dir: string; remove: () => void };
let data: { dir: string; remove: () => void };
beforeAll(async () => {
  models = await tinyModelsDir();
  data = tempDir("panda-lan-");
});
afterAll(() => {
  models.remove();
  data.remove();
});

/** Starts `panda serve` in LAN mode and resolves with its address and everything it printed up to the ready line(s). */
function serve(): Promise<{ proc: ChildProcess; url: string; stdout: () => string }> {
  const proc = spawn(process.execPath, [BIN, "serve", "--host", LAN_HOST, "--port", "0", "--models", models.dir, "--data-dir", data.dir, "--quiet"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve, reject) => {
    proc.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready at (http:\/\/[^/\s]+)\/\n(?:.*\n)*LAN mode: .*(?:\n.*\n.*\n|token kept in .*\n)/.exec(out);
      if (m) resolve({ proc, url: m[1], stdout: () => out });
    });
    proc.stderr?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    proc.on("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => proc.on("exit", resolve));
  proc.kill("SIGTERM");
  await exited;
}

const webSocket = WebSocket as unknown as WebSocketFactory;
const upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

it("runs a session with the token, refuses everything API without it, and keeps the token private", async () => {
  const first = await serve();
  let token = "";
  try {
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    const port = Number(new URL(first.url).port);
    token = /LAN mode: every request needs this token .*\n {2}(\S+)\n/.exec(first.stdout())?.[1] ?? "";
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.stdout()).toContain(`Open ${first.url}/#token=${token}`);
    const file = join(data.dir, "access-token");
    expect(readFileSync(file, "utf8").trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // The panel's client, from the other loopback address, with the token: a whole session.
    const client = new HttpPandaClient(first.url, { webSocket, token });
    expect((await client.health()).status).toBe("ok");
    expect((await client.models()).map((m) => m.id)).toEqual(["tiny-test"]);
    const image = await client.generate({ model: "tiny-test", seed: 5 });
    expect(image.image.rgba.length).toBe(image.image.width * image.image.height * 4);
    const run = await client.startFactorisation({ model: "tiny-test", parts: 4, appearances: 16, samples: 32, seed: 1, name: "lan" });
    const events: JobEventMessage[] = [];
    for await (const e of run.events) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: "finished", factorisationId: "lan" });
    expect(await client.factorisations({ model: "tiny-test" })).toEqual([expect.objectContaining({ id: "lan" })]);

    // The same requests without the token, or with another, are refused with a message that says what to send.
    for (const wrong of [null, "x".repeat(32)]) {
      const other = new HttpPandaClient(first.url, { webSocket, token: wrong });
      const err = (await other.models().catch((e) => e)) as ClientError;
      expect(err).toBeInstanceOf(ClientError);
      expect(err).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
      expect(err.message).toMatch(wrong === null ? /LAN mode and the request carries no token; send "Authorization: Bearer <token>"/ : /the token is not this server's/);
      const ws = await rawRequest(port, `GET /api/events HTTP/1.1\r\nHost: ${LAN_HOST}:${port}\r\n${upgrade}${wrong ? `Sec-WebSocket-Protocol: panda-events, panda-token.${wrong}\r\n` : ""}\r\n`, { host: LAN_HOST });
      expect(ws.status).toBe(401);
    }
    // The WebSocket with the token as a subprotocol (browsers cannot set headers there): 101, and the events protocol chosen.
    const ws = await rawRequest(port, `GET /api/events HTTP/1.1\r\nHost: ${LAN_HOST}:${port}\r\n${upgrade}Sec-WebSocket-Protocol: panda-events, panda-token.${token}\r\n\r\n`, { host: LAN_HOST });
    expect(ws.status).toBe(101);
    expect(ws.headers["sec-websocket-protocol"]).toBe("panda-events");
    // Everything under /api needs it; the editor's own files hold no data and load without it
    // (the page then takes the token from #token=… or the panel's Token field).
    expect((await fetch(`${first.url}/api`)).status).toBe(401);
    expect((await fetch(`${first.url}/`)).status).not.toBe(401);
  } finally {
    await stop(first.proc);
  }

  // A second start reuses the token and does not print it again.
  const second = await serve();
  try {
    expect(second.stdout()).toContain(`LAN mode: every request needs the token kept in ${join(data.dir, "access-token")}`);
    expect(second.stdout()).not.toContain(token);
    expect((await new HttpPandaClient(second.url, { token }).health()).status).toBe("ok");
  } finally {
    await stop(second.proc);
  }
});

it("refuses to start beyond loopback when the token file can be read by others", () => {
  const file = join(data.dir, "access-token");
  chmodSync(file, 0o644);
  try {
    const res = spawnSync(process.execPath, [BIN, "serve", "--host", LAN_HOST, "--port", "0", "--models", models.dir, "--data-dir", data.dir], { encoding: "utf8" });
    expect(res.status).not.toBe(0);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr.trim()).toBe(`panda: refusing to listen beyond loopback without a usable token: the token file ${file} can be read by other users; run "chmod 600 ${file}" (or delete it to get a new token)`);
  } finally {
    chmodSync(file, 0o600);
  }
});
