/**
 * Builds small ONNX models in TypeScript, so that the project can run its own tensor graphs
 * (the tiny test generator, the engine's kernels) in ONNX Runtime without Python.
 */
import { onnx } from "onnx-proto";

/** A dimension is a fixed size or the name of a dynamic axis. */
export type Dim = number | string;
export type AttributeValue = number | number[] | string | Float32Array;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function valueInfo(name: string, dims: Dim[], elemType = FLOAT): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === "string") return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  if (value instanceof Float32Array) return { name, type: A.FLOATS, floats: Array.from(value) };
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
  return Number.isInteger(value) ? { name, type: A.INT, i: value } : { name, type: A.FLOAT, f: value };
}

/** Float attributes that happen to hold whole numbers (alpha = 1) must still be FLOAT. */
export function floatAttribute(name: string, value: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
}

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** A float32 constant stored in the model. */
  constant(data: Float32Array | number[], dims: number[], name = this.fresh("const")): string {
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    const expected = dims.reduce((a, b) => a * b, 1);
    if (values.length !== expected) throw new Error(`constant ${name}: ${values.length} values for dims [${dims}]`);
    this.initializers.push({
      name,
      dims,
      dataType: FLOAT,
      rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
    });
    return name;
  }

  /** A constant of another element type (float64 for exact arithmetic); `values` holds it in that type's layout. */
  typedConstant(name: string, dataType: onnx.TensorProto.DataType, values: ArrayBufferView, dims: number[]): string {
    this.initializers.push({ name, dims, dataType, rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)) });
    return name;
  }

  /** An int64 constant, for shape arguments (Reshape, Slice, Unsqueeze axes). */
  int64Constant(values: number[], name = this.fresh("shape")): string {
    const raw = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(raw.buffer) });
    return name;
  }

  /** Adds a node and returns the name of its (first) output. */
  node(opType: string, inputs: string[], attrs: Record<string, AttributeValue | onnx.IAttributeProto> = {}, outputs?: string[]): string {
    const outs = outputs ?? [this.fresh(opType.toLowerCase())];
    this.nodes.push({
      opType,
      input: inputs,
      output: outs,
      name: this.fresh(`${opType}_node`),
      attribute: Object.entries(attrs).map(([k, v]) =>
        typeof v === "object" && !Array.isArray(v) && !(v instanceof Float32Array) ? { ...v, name: k } : attribute(k, v as AttributeValue),
      ),
    });
    return outs[0];
  }

  /** Declares a graph output; renames the value with an Identity node when needed. */
  output(value: string, name: string, dims: Dim[], elemType = FLOAT): void {
    if (value !== name) this.node("Identity", [value], {}, [name]);
    this.outputs.push(valueInfo(name, dims, elemType));
  }

  toModelBytes(opset = 17): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: 8,
      producerName: "panda-studio",
      opsetImport: [{ domain: "", version: opset }],
      graph: { name: this.name, node: this.nodes, input: this.inputs, output: this.outputs, initializer: this.initializers },
    };
    return onnx.ModelProto.encode(model).finish();
  }

  private fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }
}
