/**
 * Raw HTTP over a loopback socket: for requests that fetch and inject() cannot send (broken
 * framing, bad header bytes, lowercase methods, upgrades to any path). Reads until the server
 * closes or a whole response (by Content-Length) has arrived.
 */
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** the whole answer as received, for messages */
  raw: string;
}

function parse(whole: Buffer): RawResponse | null {
  let raw = whole;
  // Interim answers (100 Continue) precede the real one; 101 is final for an upgrade.
  while (/^HTTP\/1\.[01] 1(?!01)\d\d/.test(raw.subarray(0, 12).toString("latin1"))) {
    const interimEnd = raw.indexOf("\r\n\r\n");
    if (interimEnd < 0) return null;
    raw = raw.subarray(interimEnd + 4);
  }
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const head = raw.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
  if (!m) return null;
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers["transfer-encoding"] === "chunked") {
    const decoded = dechunk(body);
    if (decoded === null) return null;
    body = decoded;
  }
  const length = headers["content-length"] !== undefined ? Number(headers["content-length"]) : null;
  if (length !== null && body.length < length) return null;
  return { status: Number(m[1]), headers, body: body.subarray(0, length ?? body.length).toString("utf8"), raw: raw.toString("latin1") };
}

/** A chunked body, or null while its last (empty) chunk has not arrived. */
function dechunk(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) return null;
    const size = parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size)) return null;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < lineEnd + 2 + size + 2) return null;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** Sends `request` (bytes as given) and resolves with the first response, or rejects after `timeoutMs`. */
export function rawRequest(port: number, request: string | Buffer, options: { host?: string; timeoutMs?: number } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: options.host ?? "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (err: Error | null, res?: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(res as RawResponse);
    };
    const timer = setTimeout(() => finish(new Error(`no complete answer within ${options.timeoutMs ?? 5000} ms; got ${JSON.stringify(Buffer.concat(chunks).toString("latin1").slice(0, 300))}`)), options.timeoutMs ?? 5000);
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      const res = parse(Buffer.concat(chunks));
      // 101, 204 and 304 have no body: they are complete at the end of their head.
      if (res && ([101, 204, 304].includes(res.status) || res.headers["content-length"] !== undefined || res.headers["transfer-encoding"] === "chunked")) finish(null, res);
    });
    socket.on("end", () => {
      const res = parse(Buffer.concat(chunks));
      if (res) finish(null, res);
      else finish(new Error(`connection closed without an HTTP answer; got ${JSON.stringify(Buffer.concat(chunks).toString("latin1").slice(0, 300))}`));
    });
    socket.on("error", (err) => {
      const res = parse(Buffer.concat(chunks));
      if (res) finish(null, res);
      else finish(err);
    });
    socket.write(request);
  });
}
