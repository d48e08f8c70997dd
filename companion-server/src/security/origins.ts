/**
 * Which names and origins are this server. A Host header names a server (its port may be left
 * out); an Origin names a web page exactly: scheme, host and port, with a missing port meaning
 * the scheme's default (80), never "ours".
 */
import { hostname, networkInterfaces } from "node:os";

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]", "::1"];
const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

/** The addresses that keep the server on this machine only; any other --host is LAN mode. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.includes(host.toLowerCase());
}

const bracketed = (name: string) => (name.includes(":") && !name.startsWith("[") ? `[${name}]` : name);

/**
 * The names a Host header may carry: loopback, the listening address, and — when listening on
 * every interface — this machine's addresses and host name.
 */
export function serverNames(host: string): Set<string> {
  const names = new Set([...LOOPBACK_NAMES, host.toLowerCase(), bracketed(host.toLowerCase())]);
  if (WILDCARDS.has(host)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(bracketed(a.address.toLowerCase()));
    const machine = hostname().toLowerCase();
    names.add(machine);
    names.add(`${machine}.local`);
  }
  return names;
}

export function splitHost(hostHeader: string): { name: string; port: string | null } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.toLowerCase());
  return m ? { name: m[1], port: m[2] ?? null } : { name: hostHeader, port: null };
}

const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443" };

/** A browser Origin's parts, the port always written; null when it is not a plain http(s) origin (a path, credentials, a query, "null"). */
function parseOrigin(text: string): { protocol: string; hostname: string; port: string } | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  if (defaultPort === undefined || url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) return null;
  return { protocol: url.protocol, hostname: url.hostname, port: url.port || defaultPort };
}

/** A browser Origin in one spelling — scheme://host:port with the port always written — or null when it is not one. */
export function canonicalOrigin(text: string): string | null {
  const origin = parseOrigin(text);
  return origin && `${origin.protocol}//${origin.hostname}:${origin.port}`;
}

/**
 * Whether a browser Origin is a page of this server: http, one of our names, and exactly our
 * port (`ourPort` null: not listening, as under inject(), where any port passes).
 */
export function originAllowed(text: string, names: Set<string>, ourPort: string | null): boolean {
  const origin = parseOrigin(text);
  return origin !== null && origin.protocol === "http:" && names.has(origin.hostname) && (ourPort === null || origin.port === ourPort);
}

/** An --allow-origin value: exactly one site (scheme, host, port), or an error saying how to write one. */
export function parseAllowedOrigin(text: string): string {
  const origin = canonicalOrigin(text.trim());
  if (origin === null) throw new Error(`"${text}" is not an origin; write the site's scheme, host and port only, e.g. https://example.com or http://localhost:8080`);
  return origin;
}
