/**
 * A generator's image tensor to 8-bit RGBA as an ONNX graph: the server chains it after a tail in
 * the same run on the ONNX Runtime thread (Generator.tailRgba), so an image leaves that thread as
 * RGBA bytes — no trip through an imaging thread, where a preview frame used to wait behind masks
 * being computed, and a quarter of the float tensor's bytes to move.
 *
 * It computes exactly what tensorToRgba (engine/imaging/rgba.ts) computes, byte for byte: the
 * value in float64, (v − lo)·255/(hi − lo), rounded half to even and clamped to 0…255 (what a
 * Uint8ClampedArray does on assignment; NaN → 0), gray models' one channel repeated, alpha 255.
 */
import { onnx } from "onnx-proto";
import { GraphBuilder } from "./graph-builder";

const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
const UINT8 = onnx.TensorProto.DataType.UINT8;

/** Input "image" (N·channels·H·W float32, any N, H, W) → output "rgba" (N·H·W·4 uint8). */
export function rgbaConverterGraph(channels: number, range: readonly [number, number]): Uint8Array {
  const g = new GraphBuilder("image_to_rgba");
  const image = g.input("image", ["N", channels, "H", "W"]);
  const double = (values: number[], name: string) => g.typedConstant(name, DOUBLE, new Float64Array(values), []);
  // the three colour planes (a gray model's one plane three times, as tensorToRgba reads it)
  const colour = channels === 1 ? g.node("Concat", [image, image, image], { axis: 1 }) : channels === 3 ? image : g.node("Slice", [image, g.int64Constant([0]), g.int64Constant([3]), g.int64Constant([1])]);
  const value = g.node("Cast", [colour], { to: DOUBLE });
  const scaled = g.node("Mul", [g.node("Sub", [value, double([range[0]], "low")]), double([255 / (range[1] - range[0])], "scale")]);
  const zero = double([0], "zero");
  const finite = g.node("Where", [g.node("IsNaN", [scaled]), zero, scaled]);
  const clamped = g.node("Min", [g.node("Max", [g.node("Round", [finite]), zero]), double([255], "white")]);
  // alpha: a fourth plane of 255 (Pad's constant), then channels last
  const withAlpha = g.node("Pad", [clamped, g.int64Constant([0, 0, 0, 0, 0, 1, 0, 0]), double([255], "opaque")], { mode: "constant" });
  g.node("Cast", [g.node("Transpose", [withAlpha], { perm: [0, 2, 3, 1] })], { to: UINT8 }, ["rgba"]);
  g.output("rgba", "rgba", ["N", "H", "W", 4], UINT8);
  return g.toModelBytes();
}
