/**
 * An imaging thread: the per-request pixel maths of the server (part masks with
 * their edge-aware upsampling, feathering and threshold, part thumbnails, saliency, edited and
 * removed regions, pixel and feature-space removal, AᵀZ, per-image clustering of parts, a fit's contact sheet), run
 * here so that they never hold the server's event loop. It calls the engine's pure functions,
 * the same ones the CLI calls in place.
 */
import { parentPort, threadId } from "node:worker_threads";
import { imagePartMaps, PartMaps } from "../engine/panda/masks";
import { SpatialMap, toGray16, toGray8 } from "../engine/panda/maps";
import { changesInside, maskOf, partCoverage, partThumbnails } from "../engine/panda/image-parts";
import { coordinates, saliencyAtImageSize } from "../engine/panda/saliency";
import { removeInFeatures, removeInPixels } from "../engine/panda/removal";
import { RgbaImage } from "../engine/imaging/rgba";
import { clusterParts } from "../engine/panda/cluster-parts";
import { renderContactSheet } from "../engine/panda/contact-sheet";
import { clampPlane, MapUpsampler } from "../engine/imaging/mask-upsampling";
import { GrayImage, ImagingOp, ImagingOps, ImagingReply, ImagingRequest, PartMapsTask } from "./imaging-wire";

const port = parentPort;
if (!port) throw new Error("imaging-worker runs as a worker thread (see imaging-pool.ts)");

/** Bytes of part maps a thread keeps (at 256 px, 8 parts take 4 MiB; at 1024 px, 64 MiB). */
const PART_MAPS_BYTES = 128 * 2 ** 20;
/** Images whose guided-filter statistics a thread keeps (the pool sends one image's tasks to one thread). */
const UPSAMPLERS_KEPT = 4;

/** Part maps by key, least recently used first. */
const kept = new Map<string, { maps: PartMaps; bytes: number }>();
let keptBytes = 0;
/** Each image's upsampler (its guide statistics, computed once) by image id, least recently used first. */
const upsamplers = new Map<string, MapUpsampler>();

function upsamplerFor(imageId: string, image: RgbaImage): MapUpsampler {
  let upsampler = upsamplers.get(imageId);
  if (upsampler) upsamplers.delete(imageId);
  else upsampler = new MapUpsampler(image);
  upsamplers.set(imageId, upsampler);
  for (const id of upsamplers.keys()) {
    if (upsamplers.size <= UPSAMPLERS_KEPT) break;
    upsamplers.delete(id);
  }
  return upsampler;
}

function mapsFor(task: PartMapsTask): PartMaps {
  const hit = kept.get(task.key);
  if (hit) {
    kept.delete(task.key);
    kept.set(task.key, hit);
    return hit.maps;
  }
  const upsampler = upsamplerFor(task.imageId, task.image);
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

function gray(map: SpatialMap): GrayImage {
  return { width: map.width, height: map.height, gray: toGray8(map) };
}

type Handlers = { [K in ImagingOp]: (task: ImagingOps[K]["task"]) => ImagingOps[K]["result"] };

const handlers: Handlers = {
  mask: (t) => gray(maskOf(mapsFor(t), t.parts, t.kind, { threshold: t.threshold, feather: t.feather })),
  parts: (t) => {
    const maps = mapsFor(t);
    return { thumbnails: partThumbnails(maps, t.image), coverage: partCoverage(maps) };
  },
  saliency: (t) => {
    const s = saliencyAtImageSize(t.map, t.threshold, (m) => upsamplerFor(t.imageId, t.image).upsample(m, t.upsampling, "heat"));
    if (t.output === "heat16") return { width: s.heat.width, height: s.heat.height, gray16: toGray16(s.heat) };
    return gray(t.output === "mask" ? s.mask : s.heat);
  },
  region: (t) => gray(clampPlane(upsamplerFor(t.imageId, t.image).upsample(t.map, t.upsampling))),
  pixelRemoval: (t) => {
    const mask = maskOf(mapsFor(t), t.parts, "binary");
    const presence = saliencyAtImageSize(t.presence.atFeatures, t.presence.threshold, (m) => upsamplerFor(t.imageId, t.image).upsample(m, t.upsampling, "heat")).heat;
    return { image: removeInPixels(t.image, mask, t.fill, presence), region: gray(mask) };
  },
  pixelChanges: (t) => changesInside(t.image, t.edited, maskOf(mapsFor(t), t.parts, "soft")),
  coordinates: (t) => coordinates(t.factors, t.features),
  featureRemoval: (t) => removeInFeatures(t.factors, t.features, t.coords, t.stats, t.parts, t.background, t.refinedParts),
  // A buffer of its own to hand over (Node may place small buffers in a shared pool).
  contactSheet: (t) => new Uint8Array(renderContactSheet(t.factors, t.samples, t.size)),
  cluster: (t) => clusterParts(t.coords, t.globalParts, t.iterations, t.centres),
};

/** The buffers an answer can hand over whole (every answer here is freshly allocated). */
function transferOf(result: ImagingOps[ImagingOp]["result"]): ArrayBuffer[] {
  if (Array.isArray(result)) return []; // pixel changes: numbers only
  if (ArrayBuffer.isView(result)) return [result.buffer as ArrayBuffer];
  if ("gray" in result) return [result.gray.buffer as ArrayBuffer];
  if ("gray16" in result) return [result.gray16.buffer as ArrayBuffer];
  if ("thumbnails" in result) return result.thumbnails.map((t) => t.rgba.buffer as ArrayBuffer);
  if ("features" in result) return [result.features.buffer as ArrayBuffer, result.region.data.buffer as ArrayBuffer];
  return [result.image.rgba.buffer as ArrayBuffer, result.region.gray.buffer as ArrayBuffer];
}

port.on("message", (req: ImagingRequest & { id: number }) => {
  try {
    const result = (handlers[req.op] as (task: ImagingRequest) => ImagingOps[ImagingOp]["result"])(req);
    port.postMessage({ id: req.id, ok: true, threadId, result } satisfies ImagingReply, transferOf(result));
  } catch (err) {
    port.postMessage({ id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies ImagingReply);
  }
});
