/**
 * The panel's connection settings against a server in LAN mode: without the token every request
 * is refused and the panel says where to enter it; with the address and token entered it
 * connects, sends the token on requests and the event WebSocket, and remembers both.
 */
import WebSocket from "ws";
import { HttpPandaClient } from "../../plugin/src/client/http-client";
import type { WebSocketFactory } from "../../plugin/src/client/job-events";
import { PanelModel } from "../../plugin/src/model/panel-model";
import { Settings } from "../../plugin/src/model/settings";
import { accessToken } from "../../companion-server/src/security/access-token";
import { startTestServer, tempDir } from "../helpers/server";
import { MockHost } from "./mock-host";
import { MemoryStorage } from "./memory-storage";

const TOKEN = "lan-token_0123456789abcdefghijklmnop";
const webSocket = WebSocket as unknown as WebSocketFactory;
let server: Awaited<ReturnType<typeof startTestServer>>;
let data: ReturnType<typeof tempDir>;

beforeAll(async () => {
  data = tempDir("panda-data-");
  server = await startTestServer({ dataDir: data.dir, token: accessToken(TOKEN, "/srv/panda/access-token") });
});
afterAll(async () => {
  await server.close();
  data.remove();
});

function panel(storage: MemoryStorage) {
  const authorizations: (string | null)[] = [];
  const recordingFetch = (url: string, init: RequestInit) => {
    authorizations.push(new Headers(init.headers).get("authorization"));
    return fetch(url, init);
  };
  const model = new PanelModel({
    host: new MockHost(),
    createClient: (url, token) => new HttpPandaClient(url, { webSocket, fetch: recordingFetch, token }),
    settings: new Settings(storage),
    defaultServerUrl: server.url,
  });
  return { model, authorizations };
}

test("without the token the panel says what the server wants and where to enter it", async () => {
  const { model } = panel(new MemoryStorage());
  await model.connect();
  expect(model.state.connection.status).not.toBe("connected");
  expect(model.state.error).toMatch(/LAN mode and the request carries no token.*in the panel, enter it under Server → Token/);
});

test("with the address and token entered it connects, runs a job over the WebSocket and remembers both", async () => {
  const storage = new MemoryStorage();
  const { model, authorizations } = panel(storage);
  await model.setConnection(server.url, ` ${TOKEN} `);
  expect(model.state.connection).toMatchObject({ status: "connected", serverUrl: server.url, token: TOKEN });
  expect(model.state.modelId).toBe("tiny-test");
  expect(authorizations.length).toBeGreaterThan(0);
  expect(authorizations.every((a) => a === `Bearer ${TOKEN}`)).toBe(true);
  // Discover parts opens the event WebSocket with the token as a subprotocol.
  await model.discoverParts();
  expect(model.state.error).toBeNull();
  expect(model.state.factorisations.length).toBe(1);

  // A new panel (a restart) starts with the remembered address and token.
  const again = panel(storage);
  await again.model.connect();
  expect(again.model.state.connection).toMatchObject({ status: "connected", token: TOKEN });
});

test("clearing the token field sends none", async () => {
  const storage = new MemoryStorage();
  const { model, authorizations } = panel(storage);
  await model.setConnection(server.url, "");
  expect(model.state.connection.token).toBeNull();
  expect(authorizations.every((a) => a === null)).toBe(true);
  expect(new Settings(storage).token()).toBeNull();
});

test("a server named in the page's address (?server=) wins over the remembered one for that visit, which stays remembered", async () => {
  const storage = new MemoryStorage();
  new Settings(storage).rememberServerUrl("http://127.0.0.1:9");
  new Settings(storage).rememberToken(TOKEN);
  const addresses: string[] = [];
  const model = new PanelModel({
    host: new MockHost(),
    createClient: (url, token) => (addresses.push(url), new HttpPandaClient(url, { webSocket, token })),
    settings: new Settings(storage),
    defaultServerUrl: "http://127.0.0.1:8710",
    serverUrlForVisit: server.url,
  });
  await model.connect();
  expect(addresses).toEqual([server.url]);
  expect(model.state.connection).toMatchObject({ serverUrl: server.url, status: "connected" });
  expect(new Settings(storage).serverUrl("none")).toBe("http://127.0.0.1:9");
  // without one in the address, the remembered server as before
  const next = new PanelModel({ host: new MockHost(), createClient: (url, token) => new HttpPandaClient(url, { webSocket, token }), settings: new Settings(storage), defaultServerUrl: "http://127.0.0.1:8710" });
  expect(next.state.connection.serverUrl).toBe("http://127.0.0.1:9");
});
