/**
 * The plugin's manifest for one build: manifest.json at the repository root, with the version of
 * package.json and network permissions for exactly the configured companion server. UXP (manifest
 * v5) denies every origin not listed, and wants each one exact, with its port, for http and ws.
 */
const DEFAULT_SERVER_URL = "http://127.0.0.1:8710";

/** The server's address as the panel uses it: http(s), no credentials, no trailing slash. */
function normaliseServerUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`PANDA_SERVER_URL "${text}" is not a URL; give one like ${DEFAULT_SERVER_URL}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`PANDA_SERVER_URL "${text}" must start with http:// or https://`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error(`PANDA_SERVER_URL "${text}" must be a plain address, without credentials, query or fragment`);
  }
  return url.href.replace(/\/+$/, "");
}

/** The same loopback server is reached as 127.0.0.1 or localhost; the panel may be given either. */
const LOOPBACK_TWINS = { "127.0.0.1": ["127.0.0.1", "localhost"], localhost: ["localhost", "127.0.0.1"] };

/** The exact origins the panel talks to: HTTP for requests, WebSocket for job progress. */
function serverOrigins(serverUrl) {
  const url = new URL(normaliseServerUrl(serverUrl));
  const secure = url.protocol === "https:";
  const port = url.port ? `:${url.port}` : "";
  const hosts = LOOPBACK_TWINS[url.hostname] ?? [url.hostname];
  return hosts.flatMap((host) => [`${secure ? "https" : "http"}://${host}${port}`, `${secure ? "wss" : "ws"}://${host}${port}`]);
}

function buildManifest(template, { serverUrl, version }) {
  const manifest = structuredClone(template);
  manifest.version = version;
  manifest.requiredPermissions = {
    ...manifest.requiredPermissions,
    network: { domains: serverOrigins(serverUrl) },
  };
  return manifest;
}

module.exports = { DEFAULT_SERVER_URL, normaliseServerUrl, serverOrigins, buildManifest };
