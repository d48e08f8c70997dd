/**
 * A model whose image output is smaller than wanted, extended in ONNX to scale it up bilinearly:
 * a draft tail then renders the full-size image in one session run (no second graph, no second
 * trip to the ONNX Runtime thread per preview frame).
 */
import { onnx } from "onnx-proto";

/**
 * `model` (ONNX bytes) with its output `output` (N·C·h·w) scaled to height×width: pixel centres at
 * half-integers (PyTorch's F.interpolate(align_corners=False), PIL's resize), edges clamped. The
 * batch and channel sizes pass through, so a dynamic batch stays dynamic. Unchanged when the output
 * already has that size.
 */
export function withBilinearOutput(model: Uint8Array, output: string, [height, width]: readonly [number, number]): Uint8Array {
  const proto = onnx.ModelProto.decode(model);
  const graph = proto.graph!;
  const out = graph.output!.find((v) => v.name === output);
  if (!out) throw new Error(`the model has no output "${output}"`);
  const dims = out.type?.tensorType?.shape?.dim ?? [];
  if (dims.length === 4 && Number(dims[2].dimValue) === height && Number(dims[3].dimValue) === width) return model;
  const small = `${output}__before_scaling`;
  for (const node of graph.node ?? []) node.output = (node.output ?? []).map((name) => (name === output ? small : name));
  const int64 = (name: string, values: number[]): onnx.ITensorProto => ({
    name,
    dims: [values.length],
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer),
  });
  graph.initializer = [...(graph.initializer ?? []), int64(`${small}_start`, [0]), int64(`${small}_end`, [2]), int64(`${small}_size`, [height, width])];
  const A = onnx.AttributeProto.AttributeType;
  const text = (name: string, value: string): onnx.IAttributeProto => ({ name, type: A.STRING, s: new TextEncoder().encode(value) });
  graph.node = [
    ...(graph.node ?? []),
    { opType: "Shape", input: [small], output: [`${small}_shape`], name: `${small}_shape_node` },
    { opType: "Slice", input: [`${small}_shape`, `${small}_start`, `${small}_end`], output: [`${small}_nc`], name: `${small}_nc_node` },
    { opType: "Concat", input: [`${small}_nc`, `${small}_size`], output: [`${small}_sizes`], name: `${small}_sizes_node`, attribute: [{ name: "axis", type: A.INT, i: 0 }] },
    {
      opType: "Resize",
      input: [small, "", "", `${small}_sizes`],
      output: [output],
      name: `${small}_resize_node`,
      attribute: [text("mode", "linear"), text("coordinate_transformation_mode", "half_pixel")],
    },
  ];
  if (dims.length === 4) out.type!.tensorType!.shape!.dim = [dims[0], dims[1], { dimValue: height }, { dimValue: width }];
  return onnx.ModelProto.encode(proto).finish();
}

/**
 * A draft tail as the server runs it, and as pages receive it: its image output scaled up
 * bilinearly to the model's image size inside the graph, so a draft frame is one ONNX run.
 */
export function draftAtImageSize(draft: Uint8Array, image: { height: number; width: number }): Uint8Array {
  return withBilinearOutput(draft, "image", [image.height, image.width]);
}
