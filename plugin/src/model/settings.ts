/**
 * Settings the user expects to survive a restart (only the server address for now), kept in
 * localStorage — which both browsers and UXP provide. A missing or failing storage just
 * means nothing is remembered.
 */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const SERVER_URL_KEY = "panda-studio.serverUrl";

export class Settings {
  constructor(private readonly storage: KeyValueStorage | null) {}

  serverUrl(fallback: string): string {
    try {
      return this.storage?.getItem(SERVER_URL_KEY) || fallback;
    } catch {
      return fallback;
    }
  }

  rememberServerUrl(url: string): void {
    try {
      this.storage?.setItem(SERVER_URL_KEY, url);
    } catch {
      // private mode or a full quota: the address then lasts for this session only
    }
  }
}

/**
 * Accepts "host:port" or a full http(s) URL; returns the origin ("http://host:port") or throws
 * with what to fix. Parsed by hand: UXP's URL support is partial.
 */
export function normaliseServerUrl(text: string): string {
  const trimmed = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1].toLowerCase() ?? null;
  if (scheme !== null && scheme !== "http" && scheme !== "https") throw new Error(`the server address must start with http:// or https:// (got ${scheme}://)`);
  const rest = scheme === null ? trimmed : trimmed.slice(scheme.length + 3);
  const authority = /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?(?=$|[/?#])/i.exec(rest)?.[0];
  if (!authority) throw new Error(`"${text}" is not a server address; write it like http://127.0.0.1:8710`);
  return `${scheme ?? "http"}://${authority.toLowerCase()}`;
}
