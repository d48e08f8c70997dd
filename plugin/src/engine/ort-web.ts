/**
 * ONNX Runtime Web, loaded on demand: its script comes from the site's ort/ folder (copied from
 * node_modules by build:static, never from a CDN), with the WebGPU build when the browser offers
 * a GPU adapter and the WebAssembly build otherwise. All untyped access to the page's globals
 * for it sits in this file.
 *
 * The WebAssembly build runs in ORT's own proxy worker (`env.wasm.proxy`): a session's run, the
 * generator's tail, then blocks that worker and not the page, so a slider drag and the editor stay
 * responsive while a preview renders. (The WebGPU build does not offer the proxy; its kernels run
 * on the GPU, and the main thread only waits for them.)
 */
import type * as OrtWeb from "onnxruntime-web";

export type OrtModule = typeof OrtWeb;
export type OrtBackend = "webgpu" | "wasm";

export interface LoadedOrt {
  ort: OrtModule;
  backend: OrtBackend;
  /** execution providers for sessions, in order of preference */
  executionProviders: OrtBackend[];
}

/** The files of each build: its script, and the .wasm it runs (its .mjs loader sits beside them). */
export const ORT_FILES: Record<OrtBackend, { script: string; wasm: string; loader: string }> = {
  webgpu: { script: "ort.webgpu.min.js", wasm: "ort-wasm-simd-threaded.asyncify.wasm", loader: "ort-wasm-simd-threaded.asyncify.mjs" },
  wasm: { script: "ort.wasm.min.js", wasm: "ort-wasm-simd-threaded.wasm", loader: "ort-wasm-simd-threaded.mjs" },
};

/** How long to wait for a GPU adapter before settling for WebAssembly. */
const ADAPTER_WAIT_MS = 3000;

interface NavigatorWithGpu {
  gpu?: { requestAdapter(): Promise<unknown | null> };
}

/** True when `navigator.gpu` hands out an adapter (headless and GPU-less browsers have none). */
export async function hasWebGpu(): Promise<boolean> {
  const gpu = (globalThis.navigator as NavigatorWithGpu | undefined)?.gpu;
  if (!gpu) return false;
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), ADAPTER_WAIT_MS));
  try {
    return (await Promise.race([gpu.requestAdapter(), timeout])) !== null;
  } catch {
    return false;
  }
}

let loading: Promise<LoadedOrt> | null = null;

/**
 * Loads ORT Web once per page: the script from the site's ort/ folder (`folder`, relative to the
 * site), and its .wasm through `download` (which shows progress and caches it) handed to ORT as
 * bytes, so the largest file of the site is fetched once and then comes from the cache.
 */
export function loadOrtWeb(folderUrl: string, download: (file: string) => Promise<Uint8Array>): Promise<LoadedOrt> {
  loading ??= (async () => {
    const backend: OrtBackend = (await hasWebGpu()) ? "webgpu" : "wasm";
    const files = ORT_FILES[backend];
    const [binary] = await Promise.all([download(files.wasm), addScript(folderUrl + files.script)]);
    const ort = (globalThis as unknown as { ort?: OrtModule }).ort;
    if (!ort) throw new Error(`ONNX Runtime Web did not load from ${folderUrl}${files.script}`);
    configureOrt(ort, folderUrl);
    ort.env.wasm.wasmBinary = binary;
    // the worker loads this same script (ORT remembers its address) and gets the .wasm bytes from env
    ort.env.wasm.proxy = backend === "wasm";
    return { ort, backend, executionProviders: backend === "webgpu" ? ["webgpu", "wasm"] : ["wasm"] };
  })();
  loading.catch(() => (loading = null));
  return loading;
}

/** Where the .wasm files are, and threads only where the page may share memory with workers. */
export function configureOrt(ort: OrtModule, wasmBaseUrl: string | null): void {
  if (wasmBaseUrl) ort.env.wasm.wasmPaths = wasmBaseUrl;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  ort.env.wasm.numThreads = isolated ? Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1) : 1;
  ort.env.logLevel = "error";
}

function addScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`cannot load ONNX Runtime Web from ${src}; was the site built with "npm run build:static"?`));
    document.head.append(script);
  });
}
