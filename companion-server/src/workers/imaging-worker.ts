/**
 * An imaging thread: the per-request pixel maths of the server (tensor → RGBA, part masks with
 * their edge-aware upsampling, feathering and threshold, per-image clustering of parts, a fit's
 * contact sheet), run
 * here so that they never hold the server's event loop. It calls the engine's pure functions,
 * the same ones the CLI calls in place.
 */
import { parentPort, threadId } from "node:worker_threads";
import { tensorToRgba } from "../runtime/image-codec";
import { imagePartMaps, PartMaps } from "../engine/panda/masks";
import { toGray8 } from "../engine/panda/maps";
import { maskOf } from "../engine/panda/image-parts";
import { clusterParts } from "../engine/panda/cluster-parts";
import { renderContactSheet } from "../engine/panda/contact-sheet";
import { MapUpsampler } from "../engine/imaging/mask-upsampling";
import { ImagingOp, ImagingOps, ImagingReply, ImagingRequest } from "./imaging-wire";

const port = parentPort;
if (!port) throw new Error("imaging-worker runs as a worker thread (see imaging-pool.ts)");

/** Bytes of part maps a thread keeps (at 256 px, 8 parts take 4 MiB; at 1024 px, 64 MiB). */
const PART_MAPS_BYTES = 128 * 2 ** 20;

/** Part maps by key, least recently used first. */
const kept = new Map<string, { maps: PartMaps; bytes: number }>();
let keptBytes = 0;

function mapsFor(task: ImagingOps["mask"]["task"]): PartMaps {
  const hit = kept.get(task.key);
  if (hit) {
    kept.delete(task.key);
    kept.set(task.key, hit);
    return hit.maps;
  }
  const upsampler = new MapUpsampler(task.image);
  const maps = imagePartMaps(task.factors, task.image, (m) => upsampler.upsample(m, task.upsampling), task.refinedParts);
  const bytes = [...maps.raw, ...maps.scaled].reduce((sum, m) => sum + m.data.byteLength, 0);
  kept.set(task.key, { maps, bytes });
  keptBytes += bytes;
  for (const [key, entry] of kept) {
    if (keptBytes <= PART_MAPS_BYTES || key === task.key) break;
    kept.delete(key);
    keptBytes -= entry.bytes;
  }
  return maps;
}

type Handlers = { [K in ImagingOp]: (task: ImagingOps[K]["task"]) => ImagingOps[K]["result"] };

const handlers: Handlers = {
  rgba: (t) => tensorToRgba(t.data, t.index, t.channels, t.width, t.height, t.range),
  mask: (t) => {
    const mask = maskOf(mapsFor(t), t.parts, t.kind, { threshold: t.threshold, feather: t.feather });
    return { width: mask.width, height: mask.height, gray: toGray8(mask) };
  },
  // A buffer of its own to hand over (Node may place small buffers in a shared pool).
  contactSheet: (t) => new Uint8Array(renderContactSheet(t.factors, t.samples, t.size)),
  cluster: (t) => clusterParts(t.coords, t.globalParts, t.iterations),
};

/** The buffer an answer can hand over whole (every answer here is freshly allocated). */
function transferOf(result: ImagingOps[ImagingOp]["result"]): ArrayBuffer[] {
  const view = ArrayBuffer.isView(result) ? result : "gray" in result ? result.gray : result.rgba;
  return [view.buffer as ArrayBuffer];
}

port.on("message", (req: ImagingRequest & { id: number }) => {
  try {
    const result = (handlers[req.op] as (task: ImagingRequest) => ImagingOps[ImagingOp]["result"])(req);
    port.postMessage({ id: req.id, ok: true, threadId, result } satisfies ImagingReply, transferOf(result));
  } catch (err) {
    port.postMessage({ id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies ImagingReply);
  }
});
