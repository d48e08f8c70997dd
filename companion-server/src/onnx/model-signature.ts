/** Reads the declared inputs and outputs of an ONNX file without starting a session. */
import { readFileSync } from "node:fs";
import { onnx } from "onnx-proto";

export interface ValueSignature {
  name: string;
  /** null for a dynamic axis */
  dims: (number | null)[];
}
/** A byte range of an ONNX external-data file that a tensor of the graph is stored in. */
export interface ExternalTensor {
  tensor: string;
  /** relative to the folder of the ONNX file */
  location: string;
  offset: number;
  /** null: up to the end of the file */
  length: number | null;
}
export interface ModelSignature {
  inputs: ValueSignature[];
  outputs: ValueSignature[];
  external: ExternalTensor[];
}

function toSignature(v: onnx.IValueInfoProto): ValueSignature {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return {
    name: v.name ?? "",
    dims: dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : null)),
  };
}

function toExternal(t: onnx.ITensorProto): ExternalTensor {
  const entry = (key: string) => (t.externalData ?? []).find((e) => e.key === key)?.value ?? undefined;
  const length = entry("length");
  return { tensor: t.name ?? "", location: entry("location") ?? "", offset: Number(entry("offset") ?? 0), length: length === undefined ? null : Number(length) };
}

export function readModelSignature(file: string): ModelSignature {
  const model = onnx.ModelProto.decode(readFileSync(file));
  const initializers = model.graph?.initializer ?? [];
  const names = new Set(initializers.map((t) => t.name));
  return {
    inputs: (model.graph?.input ?? []).filter((v) => !names.has(v.name ?? "")).map(toSignature),
    outputs: (model.graph?.output ?? []).map(toSignature),
    external: initializers.filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL).map(toExternal),
  };
}
