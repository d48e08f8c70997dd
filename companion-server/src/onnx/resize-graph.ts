/** A one-node ONNX graph that scales a batch of images (N·C·h·w) to H×W bilinearly. */
import { GraphBuilder } from "./graph-builder";

/**
 * Input `small`, output `image`. Pixel centres at half-integers (`half_pixel`, PyTorch's
 * F.interpolate(align_corners=False) and PIL's resize), edges clamped.
 */
export function bilinearResizeGraph(dims: readonly number[], [height, width]: readonly [number, number]): Uint8Array {
  const [n, c] = dims;
  const g = new GraphBuilder("bilinear_resize");
  const input = g.input("small", [...dims]);
  const sizes = g.int64Constant([n, c, height, width]);
  g.node("Resize", [input, "", "", sizes], { mode: "linear", coordinate_transformation_mode: "half_pixel" }, ["image"]);
  g.output("image", "image", [n, c, height, width]);
  return g.toModelBytes();
}
