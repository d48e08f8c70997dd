/**
 * The ONNX Runtime thread: opens sessions and runs them on behalf of the server's thread
 * (ort-thread.ts), and the tensor backend's one TypeScript-only operation, the eigendecomposition. onnxruntime-node runs a session synchronously on the thread that calls it, so
 * here a generator or a solver's graph no longer stops the server's event loop.
 */
import { parentPort } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { WireTensor, WorkerReply, WorkerRequest, transferList } from "./ort-wire";
import { symmetricEigen } from "../engine/tenalg/symmetric-eigen";

const port = parentPort;
if (!port) throw new Error("ort-worker runs as a worker thread (see ort-thread.ts)");

const sessions = new Map<number, ort.InferenceSession>();

function session(id: number): ort.InferenceSession {
  const s = sessions.get(id);
  if (!s) throw new Error(`no ONNX Runtime session ${id} on this thread`);
  return s;
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  switch (req.op) {
    case "open": {
      const opened = typeof req.model === "string" ? await ort.InferenceSession.create(req.model, req.options) : await ort.InferenceSession.create(req.model, req.options);
      sessions.set(req.session, opened);
      return { id: req.id, ok: true, inputNames: opened.inputNames, outputNames: opened.outputNames };
    }
    case "run": {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(req.feeds)) feeds[name] = new ort.Tensor(t.type, t.data as Float32Array, t.dims);
      let out = await session(req.session).run(feeds);
      // chained sessions (a tail, then its RGBA conversion): the tensors between them stay on this thread
      for (const next of req.then ?? []) {
        const chained = session(next);
        out = await chained.run(Object.fromEntries(chained.inputNames.map((name) => [name, out[name]])));
      }
      const outputs: Record<string, WireTensor> = {};
      for (const [name, value] of Object.entries(out)) {
        const t = value as ort.Tensor;
        // A whole buffer of its own can be handed over; anything else is copied into one.
        const data = ArrayBuffer.isView(t.data) && (t.data.byteOffset !== 0 || t.data.byteLength !== t.data.buffer.byteLength) ? (t.data.slice() as ort.Tensor.DataType) : t.data;
        outputs[name] = { type: t.type, dims: t.dims, data };
      }
      // The feeds are this thread's own copies: handed back with the answer for the next run's feeds
      // (none that an output shares: that one is the output's now).
      const outputBuffers = new Set(transferList(outputs));
      const feedBuffers = transferList(req.feeds).filter((b) => !outputBuffers.has(b));
      return { id: req.id, ok: true, outputs, feedBuffers };
    }
    case "eigen":
      return { id: req.id, ok: true, eigen: symmetricEigen(req.values, req.n) };
    case "release": {
      await sessions.get(req.session)?.release();
      sessions.delete(req.session);
      return { id: req.id, ok: true };
    }
  }
}

port.on("message", (req: WorkerRequest) => {
  handle(req).then(
    (reply) => port.postMessage(reply, !reply.ok ? [] : reply.outputs ? [...transferList(reply.outputs), ...(reply.feedBuffers ?? [])] : reply.eigen ? [reply.eigen.values.buffer as ArrayBuffer, reply.eigen.vectors.buffer as ArrayBuffer] : []),
    (err: unknown) => port.postMessage({ id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  );
});
