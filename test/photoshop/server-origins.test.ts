/**
 * Which origins the manifest allows for a given PANDA_SERVER_URL: exactly the server's, for HTTP
 * requests and the WebSocket progress stream, with the loopback twin (127.0.0.1 ⇄ localhost).
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const { DEFAULT_SERVER_URL, normaliseServerUrl, serverOrigins, buildManifest } = require("../../plugin/photoshop/manifest");

test("the default server is the one `panda serve` listens on, and manifest.json lists it", () => {
  expect(DEFAULT_SERVER_URL).toBe("http://127.0.0.1:8710");
  const root = JSON.parse(readFileSync(path.resolve(__dirname, "..", "..", "manifest.json"), "utf8"));
  expect(root.requiredPermissions.network.domains).toEqual(serverOrigins(DEFAULT_SERVER_URL));
  expect(serverOrigins(DEFAULT_SERVER_URL)).toEqual([
    "http://127.0.0.1:8710",
    "ws://127.0.0.1:8710",
    "http://localhost:8710",
    "ws://localhost:8710",
  ]);
});

test.each([
  ["http://localhost:9000/", ["http://localhost:9000", "ws://localhost:9000", "http://127.0.0.1:9000", "ws://127.0.0.1:9000"]],
  ["http://gpu-box.lan:8710", ["http://gpu-box.lan:8710", "ws://gpu-box.lan:8710"]],
  ["https://panda.example.org", ["https://panda.example.org", "wss://panda.example.org"]],
  ["http://[::1]:8710", ["http://[::1]:8710", "ws://[::1]:8710"]],
])("%s → %j", (url, origins) => {
  expect(serverOrigins(url)).toEqual(origins);
});

test("the panel's address keeps a path prefix and drops the trailing slash", () => {
  expect(normaliseServerUrl("http://127.0.0.1:8710/")).toBe("http://127.0.0.1:8710");
  expect(normaliseServerUrl("http://gpu-box.lan:8710/panda/")).toBe("http://gpu-box.lan:8710/panda");
});

test.each([
  ["127.0.0.1:8710", /not a URL/],
  ["ftp://127.0.0.1:8710", /http:\/\/ or https:\/\//],
  ["http://user:secret@127.0.0.1:8710", /without credentials/],
])("a bad PANDA_SERVER_URL (%s) stops the build with a clear message", (url, message) => {
  expect(() => serverOrigins(url)).toThrow(message);
});

test("buildManifest sets the version and the network permissions, keeping every other permission", () => {
  const template = { version: "0.0.0", requiredPermissions: { network: { domains: "all" }, localFileSystem: "plugin" } };
  const built = buildManifest(template, { serverUrl: "http://gpu-box.lan:8710", version: "1.2.3" });
  expect(built).toEqual({
    version: "1.2.3",
    requiredPermissions: { network: { domains: ["http://gpu-box.lan:8710", "ws://gpu-box.lan:8710"] }, localFileSystem: "plugin" },
  });
  expect(template.requiredPermissions.network.domains).toBe("all");
});
