/**
 * Hands a large buffer's memory back to the system now. V8 frees an unreachable ArrayBuffer only
 * at its next full collection, and an idle server may not run one for a long time: a cancelled
 * 16,000-sample job kept 1.1 GB resident until something else caused one. Transferring the
 * buffer into a message that is then dropped frees its memory within a tick, GC or not; every view
 * of it becomes empty, so only a buffer that nothing will read again may be released.
 */
import { MessageChannel } from "node:worker_threads";

export function releaseNow(buffer: ArrayBufferLike): void {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) return; // shared or already released
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, [buffer]);
  port1.close();
  port2.close();
}
