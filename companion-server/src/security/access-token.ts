/**
 * The LAN-mode token: generated on the first start beyond loopback, kept in the data folder with
 * owner-only permissions (0600), compared in constant time. A token file that others can read is
 * refused rather than used, so a secret that may have leaked is not trusted silently.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { IncomingHttpHeaders } from "node:http";
import { TOKEN_PROTOCOL_PREFIX } from "../api/auth";
import { writeFileAtomic } from "../util/atomic-write";

export const TOKEN_FILE = "access-token";
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,256}$/;

export interface AccessToken {
  /** where the token lives, for messages (never the token itself) */
  file: string;
  matches(presented: string): boolean;
}

export class TokenFileError extends Error {}

const digest = (text: string) => createHash("sha256").update(text).digest();

export function accessToken(value: string, file: string): AccessToken {
  const expected = digest(value);
  return { file, matches: (presented) => timingSafeEqual(digest(presented), expected) };
}

/** Reads the data folder's token, or creates one; `created` says whether it is new (to show it once). */
export function loadOrCreateToken(dataDir: string): { value: string; token: AccessToken; created: boolean } {
  const file = join(dataDir, TOKEN_FILE);
  if (!existsSync(file)) {
    const value = randomBytes(24).toString("base64url");
    writeFileAtomic(file, value + "\n", { mode: 0o600 });
    return { value, token: accessToken(value, file), created: true };
  }
  // POSIX permissions only: Windows keeps the file private through the user's profile ACL.
  if (process.platform !== "win32" && (statSync(file).mode & 0o077) !== 0)
    throw new TokenFileError(`the token file ${file} can be read by other users; run "chmod 600 ${file}" (or delete it to get a new token)`);
  const value = readFileSync(file, "utf8").trim();
  if (!TOKEN_PATTERN.test(value)) throw new TokenFileError(`the token file ${file} does not hold a token (32–256 letters, digits, - or _); delete it to get a new one`);
  return { value, token: accessToken(value, file), created: false };
}

/** The token a request presents: `Authorization: Bearer <token>`, or a WebSocket subprotocol. */
export function presentedToken(headers: IncomingHttpHeaders): string | null {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "");
  if (bearer) return bearer[1];
  const protocols = String(headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  const carried = protocols.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  return carried ? carried.slice(TOKEN_PROTOCOL_PREFIX.length) : null;
}
