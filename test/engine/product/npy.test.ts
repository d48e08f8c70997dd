/** .npy files: float32/float64 C-order round trips, and clear refusals of everything else. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatNpy, NpyError, parseNpy, readNpy, writeNpy } from "../../../companion-server/src/engine/io/npy";
import { tempDir } from "./fixtures";

/** A .npy file with this header dict and these data bytes (version 1.0). */
function handMade(dict: string, data: Uint8Array, version = 1): Buffer {
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - prefix - 1, " ") + "\n";
  const head = Buffer.alloc(prefix);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]).copy(head);
  head[6] = version;
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(data)]);
}

const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe("round trips", () => {
  it.each([
    ["float32", [2, 3, 4]],
    ["float64", [5]],
    ["float32", []],
    ["float64", [1, 2, 1, 3]],
    ["float32", [0, 3]],
  ] as const)("%s of shape %j", (dtype, shape) => {
    const count = shape.reduce((a: number, b: number) => a * b, 1);
    const values = Array.from({ length: count }, (_, i) => i * 0.5 - 3);
    const data = dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values);
    const back = parseNpy(formatNpy({ dtype, shape: [...shape], data }));
    expect(back.dtype).toBe(dtype);
    expect(back.shape).toEqual(shape);
    expect(Array.from(back.data)).toEqual(values);
  });

  it("writes data aligned to 64 bytes, as NumPy does", () => {
    const bytes = formatNpy({ dtype: "float32", shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) });
    expect((bytes.length - 16) % 64).toBe(0);
    expect(bytes.subarray(10, 80).toString("latin1")).toContain("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }");
  });

  it("reads what NumPy writes, including version 2.0 headers and no trailing comma", () => {
    const a = parseNpy(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f32([1.5, -2])));
    expect(Array.from(a.data)).toEqual([1.5, -2]);
    const b = parseNpy(handMade("{'shape': (1, 2), 'fortran_order': False, 'descr': '<f4'}", f32([3, 4]), 2));
    expect(b.shape).toEqual([1, 2]);
    expect(Array.from(b.data)).toEqual([3, 4]);
  });

  it("writes files atomically and reads them back", () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, "z.npy");
      writeNpy(file, { dtype: "float64", shape: [2], data: Float64Array.of(1, 2) });
      expect(Array.from(readNpy(file).data)).toEqual([1, 2]);
    } finally {
      tmp.remove();
    }
  });
});

describe("refusals", () => {
  const refuse = (bytes: Uint8Array, message: RegExp) => expect(() => parseNpy(bytes)).toThrow(message);

  it("refuses Fortran order", () => refuse(handMade("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", f32([1, 2])), /Fortran-ordered.*C order/));
  it("refuses other dtypes", () => refuse(handMade("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", f32([1, 2])), /unsupported dtype '<i4'.*float32/));
  it("refuses big-endian floats with a hint", () => refuse(handMade("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", f32([1, 2])), /big-endian/));
  it("refuses a file without the magic string", () => refuse(Buffer.from("hello world, not numpy"), /not a \.npy file/));
  it("refuses a header that is not a dict", () => refuse(handMade("[1, 2, 3]", f32([1])), /bad \.npy header/));
  it("refuses a header without a shape", () => refuse(handMade("{'descr': '<f4', 'fortran_order': False}", f32([1])), /needs descr, fortran_order and shape/));
  it("refuses a shape with non-integers", () => refuse(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }", f32([1])), /not a tuple of sizes/));
  it("refuses truncated data", () => refuse(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", f32([1, 2])), /truncated \.npy data.*12 bytes.*8/));
  it("refuses surplus data", () => refuse(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", f32([1, 2])), /longer than its shape/));
  it("refuses a truncated header", () => refuse(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", f32([1])).subarray(0, 30), /truncated \.npy header/));
  it("names the file and a missing file", () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, "bad.npy");
      writeFileSync(file, "nope");
      expect(() => readNpy(file)).toThrow(new NpyError(`${file}: not a .npy file (the magic string \\x93NUMPY is missing)`));
      expect(() => readNpy(join(tmp.dir, "none.npy"))).toThrow(/file not found/);
    } finally {
      tmp.remove();
    }
  });
  it("refuses to write data that does not fill the shape", () => {
    expect(() => formatNpy({ dtype: "float32", shape: [3], data: Float32Array.of(1) })).toThrow(/holds 3 values, the data has 1/);
  });
});
