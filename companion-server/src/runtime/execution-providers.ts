/**
 * Which ONNX Runtime execution provider runs the graphs: the user asks with `--device`
 * (or PANDA_DEVICE); when that provider cannot start we fall back to the CPU with one log line.
 */
import type * as ort from "onnxruntime-node";
import { OrtSession, OrtThread } from "./ort-thread";

export type DeviceKind = "cpu" | "cuda" | "dml" | "coreml";
export interface DeviceRequest {
  kind: DeviceKind;
  deviceId: number;
}

export function parseDevice(text: string): DeviceRequest {
  const match = /^(cpu|cuda|dml|coreml)(?::(\d+))?$/.exec(text.trim().toLowerCase());
  if (!match) throw new Error(`unknown device "${text}": use cpu, cuda, cuda:N, dml, dml:N or coreml`);
  return { kind: match[1] as DeviceKind, deviceId: match[2] ? Number(match[2]) : 0 };
}

export function describeDevice(d: DeviceRequest): string {
  return d.kind === "cpu" || d.kind === "coreml" ? d.kind : `${d.kind}:${d.deviceId}`;
}

function providerConfig(d: DeviceRequest): ort.InferenceSession.ExecutionProviderConfig {
  switch (d.kind) {
    case "cuda":
      return { name: "cuda", deviceId: d.deviceId };
    case "dml":
      return { name: "dml", deviceId: d.deviceId };
    case "coreml":
      return "coreml";
    default:
      return "cpu";
  }
}

export interface DeviceStatus {
  requested: string;
  active: string;
  fallbackReason: string | null;
}

/** Creates every ONNX Runtime session of the process, so that all of them share one provider choice. */
export class SessionFactory {
  private active: DeviceRequest;
  private fallbackReason: string | null = null;

  constructor(
    readonly requested: DeviceRequest = { kind: "cpu", deviceId: 0 },
    private readonly log: (message: string) => void = () => {},
  ) {
    this.active = requested;
  }

  status(): DeviceStatus {
    return { requested: describeDevice(this.requested), active: describeDevice(this.active), fallbackReason: this.fallbackReason };
  }

  /** Sessions run on this thread, off the server's event loop (see ort-thread.ts). */
  readonly thread = new OrtThread();

  async create(model: string | Uint8Array): Promise<OrtSession> {
    const options = (d: DeviceRequest): ort.InferenceSession.SessionOptions => ({
      executionProviders: [providerConfig(d)],
      graphOptimizationLevel: "all",
      // No spinning threads between runs: our graphs are many and small, and on a busy machine a
      // spin-wait made them about 20× slower (it also burns a core while the server is idle).
      // The CPU memory arena stays on: without it peak memory of a fit rose from 1.45× to 2.2×
      // the feature tensor (every run allocated afresh).
      extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } },
    });
    const open = (d: DeviceRequest) => this.thread.open(model, options(d));
    if (this.active.kind === "cpu") return open(this.active);
    try {
      return await open(this.active);
    } catch (err) {
      this.fallbackReason = `${describeDevice(this.active)} unavailable: ${(err as Error).message.split("\n")[0]}`;
      this.log(`execution provider ${describeDevice(this.active)} could not start, falling back to cpu (${this.fallbackReason})`);
      this.active = { kind: "cpu", deviceId: 0 };
      return open(this.active);
    }
  }

  /** Ends the ONNX Runtime thread and every session on it. */
  close(): Promise<void> {
    return this.thread.close();
  }
}
