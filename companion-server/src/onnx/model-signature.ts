/** Reads the declared inputs and outputs of an ONNX file without starting a session. */
import { readFileSync } from "node:fs";
import { onnx } from "onnx-proto";

export interface ValueSignature {
  name: string;
  /** null for a dynamic axis */
  dims: (number | null)[];
}
export interface ModelSignature {
  inputs: ValueSignature[];
  outputs: ValueSignature[];
}

function toSignature(v: onnx.IValueInfoProto): ValueSignature {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return {
    name: v.name ?? "",
    dims: dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : null)),
  };
}

export function readModelSignature(file: string): ModelSignature {
  const model = onnx.ModelProto.decode(readFileSync(file));
  const initializers = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  return {
    inputs: (model.graph?.input ?? []).filter((v) => !initializers.has(v.name ?? "")).map(toSignature),
    outputs: (model.graph?.output ?? []).map(toSignature),
  };
}
