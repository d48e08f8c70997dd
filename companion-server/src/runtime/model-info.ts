/**
 * What a bundle manifest says about using the model — its default layer and truncation, the
 * latents its head takes, its public description — as plain functions of the manifest, so the
 * server's Generator and the in-browser engine read a bundle the same way.
 */
import type { ModelInfo } from "../api/models";
import type { BundleManifest, LayerSpec } from "./bundle-manifest";

/** The layer marked default, else the first. */
export function defaultLayer(m: BundleManifest): LayerSpec {
  return m.layers.find((l) => l.default) ?? m.layers[0];
}

export function defaultTruncation(m: BundleManifest): number {
  return m.truncation.method === "none" ? 1 : (m.truncation.default ?? 1);
}

/** The head's `z` input: latents scaled by ψ when the bundle truncates in latent space (ψ = 1 leaves them). */
export function truncatedLatents(m: BundleManifest, latents: Float32Array, truncation: number): Float32Array {
  return m.truncation.method === "latent" && truncation !== 1 ? latents.map((v) => v * truncation) : latents;
}

export function describeManifest(m: BundleManifest): ModelInfo {
  const defaultId = defaultLayer(m).id;
  return {
    id: m.id,
    title: m.title,
    description: m.description ?? "",
    testModel: m.testModel ?? false,
    image: { width: m.image.width, height: m.image.height, channels: m.image.channels },
    latent: m.latent,
    truncation: { supported: m.truncation.method !== "none", default: defaultTruncation(m) },
    layers: m.layers.map((l) => ({ id: l.id, channels: l.shape[0], height: l.shape[1], width: l.shape[2], default: l.id === defaultId })),
    license: m.license,
    source: m.source ?? "",
  };
}
