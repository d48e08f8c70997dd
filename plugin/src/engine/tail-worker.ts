/**
 * The tail worker (a webpack entry of its own, tail-worker.js): ONNX Runtime Web's WebAssembly
 * build runs here, not in the page, with the live preview's PandA maths — Z' (applyEdits, the
 * server's own code) and the tail output's RGBA (tensorToRgba) — so a slider drag never blocks
 * the page. Each answer's RGBA is transferred, not copied.
 */
import type * as OrtWeb from "onnxruntime-web";
import { applyEdits } from "../../../companion-server/src/engine/panda/edits";
import type { Factors } from "../../../companion-server/src/engine/panda/types";
import { tensorToRgba } from "../../../companion-server/src/engine/imaging/rgba";
import { configureOrt, ORT_FILES } from "./ort-web";
import type { RenderAnswer, TailWorkerMessage, TailWorkerReply, TailWorkerRequest } from "./tail-worker-protocol";

declare function importScripts(...urls: string[]): void;
interface WorkerScope {
  ort?: typeof OrtWeb;
  onmessage: ((event: MessageEvent<TailWorkerMessage>) => void) | null;
  postMessage(message: TailWorkerReply, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as WorkerScope;

interface KeptImage {
  shape: number[];
  features: Float32Array;
  auxiliary: { name: string; shape: number[]; data: Float32Array }[];
}

let ort: typeof OrtWeb | null = null;
const graphs = new Map<string, Promise<OrtWeb.InferenceSession>>();
const images = new Map<string, KeptImage>();
const factorSets = new Map<string, Factors>();
/** refined parts by key, with the image they were refined for */
const refinedParts = new Map<string, { image: string; parts: Float32Array }>();
const now = () => performance.now();

function required<T>(map: Map<string, T>, key: string, what: string): T {
  const value = map.get(key);
  if (value === undefined) throw new Error(`the tail worker holds no ${what} "${key}"`);
  return value;
}

async function handle(request: TailWorkerRequest): Promise<RenderAnswer | null> {
  switch (request.kind) {
    case "init": {
      if (ort) return null;
      importScripts(request.ortUrl + ORT_FILES.wasm.script);
      if (!scope.ort) throw new Error(`ONNX Runtime Web did not load from ${request.ortUrl}`);
      ort = scope.ort;
      configureOrt(ort, request.ortUrl);
      return null;
    }
    case "graph": {
      if (!ort) throw new Error("the tail worker was not initialised");
      if (!graphs.has(request.key)) {
        const session = ort.InferenceSession.create(request.bytes, { executionProviders: ["wasm"] });
        session.catch(() => graphs.delete(request.key));
        graphs.set(request.key, session);
      }
      await graphs.get(request.key);
      return null;
    }
    case "image":
      images.set(request.key, { shape: request.shape, features: request.features, auxiliary: request.auxiliary });
      return null;
    case "factors":
      factorSets.set(request.key, request.factors);
      return null;
    case "parts":
      refinedParts.set(request.key, { image: request.image, parts: request.parts });
      return null;
    case "forget":
      images.delete(request.image);
      for (const [key, kept] of refinedParts) if (kept.image === request.image) refinedParts.delete(key);
      return null;
    case "render":
      return render(request);
  }
}

async function render(request: Extract<TailWorkerRequest, { kind: "render" }>): Promise<RenderAnswer> {
  if (!ort) throw new Error("the tail worker was not initialised");
  const session = await required(graphs, request.graph, "graph");
  const image = required(images, request.image, "image");
  const factors = required(factorSets, request.factors, "factorisation");
  const parts = request.parts === undefined ? undefined : required(refinedParts, request.parts, "refined parts").parts;
  const t0 = now();
  const { features } = applyEdits(factors, image.features, request.edits, parts);
  const t1 = now();
  const feeds: Record<string, OrtWeb.Tensor> = { features: new ort.Tensor("float32", features, image.shape) };
  // the auxiliaries are fed as copies: the image keeps them for the next step
  for (const a of image.auxiliary) feeds[a.name] = new ort.Tensor("float32", a.data.slice(), a.shape);
  const out = await session.run(feeds);
  const t2 = now();
  const { channels, width, height, range } = request.spec;
  const { rgba } = tensorToRgba(out.image.data as Float32Array, 0, channels, width, height, range);
  return { width, height, rgba, timing: { editMs: t1 - t0, tailMs: t2 - t1, rgbaMs: now() - t2 } };
}

scope.onmessage = (event) => {
  const { id, request } = event.data;
  handle(request).then(
    (answer) => scope.postMessage({ id, ok: true, answer }, answer ? [answer.rgba.buffer] : []),
    (err: unknown) => scope.postMessage({ id, ok: false, message: err instanceof Error ? err.message : String(err) }),
  );
};
