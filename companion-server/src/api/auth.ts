/**
 * How a client presents the LAN-mode token. Plain constants, no Node code: the panels import
 * them too. Browsers cannot set headers on a WebSocket, so there the token rides as a
 * subprotocol beside EVENTS_PROTOCOL, which the server selects.
 */
export const EVENTS_PROTOCOL = "panda-events";
export const TOKEN_PROTOCOL_PREFIX = "panda-token.";

/** The WebSocket subprotocols of a client holding `token` (none without one). */
export function eventProtocols(token: string | null): string[] {
  return token ? [EVENTS_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token] : [];
}
