/**
 * Settings the user expects to survive a restart (the server address, its LAN-mode token and the
 * panel's choices),
 * kept in localStorage — which both browsers and UXP provide. A missing or failing storage just
 * means nothing is remembered; a stored value that is not valid (an older version, a hand edit)
 * falls back to its default.
 */
import { DEFAULT_PLACEMENT, PlacementSettings, RESAMPLE_METHODS } from "./placement";
import { MAX_SEED } from "./validate";
import { LegacyPartSets, checkLegacyPartSets } from "./part-sets";
import { DEFAULT_PAGE_PREVIEW_LIMIT_MB } from "./local-preview";

export type SaliencyOutput = "gray" | "colour";

/** The panel's remembered choices. */
export interface Preferences {
  placement: PlacementSettings;
  /** the seed of Discover parts, so a discovery can be repeated */
  discoverSeed: number;
  saliencyOutput: SaliencyOutput;
  /** the web editor with a server: render the live preview in the page where the model allows (local-preview.ts) */
  pagePreview: boolean;
  /** the largest tail (with its draft) the page renders, in MB */
  pagePreviewLimitMB: number;
}

export const DEFAULT_PREFERENCES: Preferences = { placement: DEFAULT_PLACEMENT, discoverSeed: 0, saliencyOutput: "colour", pagePreview: true, pagePreviewLimitMB: DEFAULT_PAGE_PREVIEW_LIMIT_MB };

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const SERVER_URL_KEY = "panda-studio.serverUrl";
const TOKEN_KEY = "panda-studio.token";
const PREFERENCES_KEY = "panda-studio.preferences";
const PART_SETS_KEY = "panda-studio.partSets";

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
    this.write(SERVER_URL_KEY, url);
  }

  /** The LAN-mode token of the server, or null (a loopback server needs none). */
  token(): string | null {
    try {
      return this.storage?.getItem(TOKEN_KEY) || null;
    } catch {
      return null;
    }
  }

  /** Names of part sets and the set chosen per model and layer, as older panels kept them (the server keeps them now). */
  legacyPartSets(): LegacyPartSets {
    try {
      return checkLegacyPartSets(JSON.parse(this.storage?.getItem(PART_SETS_KEY) ?? "{}"));
    } catch {
      return checkLegacyPartSets({});
    }
  }

  /** What is left of them after moving names and choices to the server. */
  rememberLegacyPartSets(left: LegacyPartSets): void {
    this.write(PART_SETS_KEY, JSON.stringify(left));
  }

  rememberToken(token: string | null): void {
    this.write(TOKEN_KEY, token ?? "");
  }

  preferences(): Preferences {
    let stored: Partial<Record<keyof Preferences, unknown>> = {};
    try {
      stored = JSON.parse(this.storage?.getItem(PREFERENCES_KEY) ?? "{}") ?? {};
    } catch {
      // unreadable: the defaults
    }
    const placement = (stored.placement ?? {}) as Partial<Record<keyof PlacementSettings, unknown>>;
    const seed = stored.discoverSeed;
    const limit = stored.pagePreviewLimitMB;
    return {
      placement: {
        mode: placement.mode === "fit" || placement.mode === "image" ? placement.mode : DEFAULT_PLACEMENT.mode,
        resample: RESAMPLE_METHODS.find((m) => m === placement.resample) ?? DEFAULT_PLACEMENT.resample,
      },
      discoverSeed: Number.isInteger(seed) && (seed as number) >= 0 && (seed as number) <= MAX_SEED ? (seed as number) : DEFAULT_PREFERENCES.discoverSeed,
      saliencyOutput: stored.saliencyOutput === "gray" ? "gray" : DEFAULT_PREFERENCES.saliencyOutput,
      pagePreview: typeof stored.pagePreview === "boolean" ? stored.pagePreview : DEFAULT_PREFERENCES.pagePreview,
      pagePreviewLimitMB: typeof limit === "number" && Number.isFinite(limit) && limit >= 0 ? limit : DEFAULT_PREFERENCES.pagePreviewLimitMB,
    };
  }

  rememberPreferences(preferences: Preferences): void {
    this.write(PREFERENCES_KEY, JSON.stringify(preferences));
  }

  private write(key: string, value: string): void {
    try {
      this.storage?.setItem(key, value);
    } catch {
      // private mode or a full quota: the value then lasts for this session only
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

/** A token as typed: surrounding space and a pasted "Bearer " dropped; empty means none. */
export function normaliseToken(text: string): string | null {
  const token = text.trim().replace(/^Bearer\s+/i, "");
  if (token === "") return null;
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error("the token is the line of letters, digits, - and _ the server printed (or in its access-token file)");
  return token;
}
