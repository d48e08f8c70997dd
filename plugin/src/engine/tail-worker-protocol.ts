/**
 * Messages between the page and the tail worker (tail-worker.ts): the worker keeps what a live
 * preview needs — the tail graphs' sessions, the image's features, the factorisation's factors —
 * and answers each slider step with the RGBA of Z' = Z + Σ λ a ⊗ p̂ through the tail, so neither
 * the edit in feature space, the tail nor the RGBA conversion runs on the page's main thread.
 */
import type { Edit } from "../../../companion-server/src/engine/panda/edits";
import type { Factors } from "../../../companion-server/src/engine/panda/types";

export interface ImageSpec {
  channels: number;
  width: number;
  height: number;
  range: [number, number];
}

export type TailWorkerRequest =
  /** loads ONNX Runtime Web's WebAssembly build from `ortUrl` (a folder URL ending in "/") */
  | { kind: "init"; ortUrl: string }
  /** opens a session on a graph, kept under `key` */
  | { kind: "graph"; key: string; bytes: Uint8Array }
  /** an image's tail inputs, kept under `key`: its features (1×C×H×W) and auxiliary tensors */
  | { kind: "image"; key: string; shape: number[]; features: Float32Array; auxiliary: { name: string; shape: number[]; data: Float32Array }[] }
  | { kind: "factors"; key: string; factors: Factors }
  /** a factorisation's parts refined for image `image` (S·R_S), kept under `key` (forgotten with the image) */
  | { kind: "parts"; key: string; image: string; parts: Float32Array }
  /** the edits (λ in feature units) of image `image` under `factors`, through graph `graph`; with `parts`, at those refined parts instead of the factors' */
  | { kind: "render"; graph: string; image: string; factors: string; parts?: string; edits: Edit[]; spec: ImageSpec }
  | { kind: "forget"; image: string };

export interface RenderAnswer {
  width: number;
  height: number;
  rgba: Uint8Array;
  /** milliseconds in the worker: Z', the tail run, RGBA */
  timing: { editMs: number; tailMs: number; rgbaMs: number };
}

export type TailWorkerMessage = { id: number; request: TailWorkerRequest };
export type TailWorkerReply = { id: number; ok: true; answer: RenderAnswer | null } | { id: number; ok: false; message: string };
