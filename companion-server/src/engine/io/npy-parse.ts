/**
 * Reading NumPy `.npy` bytes (format versions 1.0–3.0, float32 / float64, C order): pure
 * TypeScript over Uint8Array, so the server and the in-browser engine read saved factorisations
 * with one parser. Files and writing are in npy.ts.
 */
export type NpyDtype = "float32" | "float64";

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: Float32Array | Float64Array;
}

export class NpyError extends Error {}

export const MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59); // \x93NUMPY
const DESCR: Record<string, NpyDtype> = { "<f4": "float32", "<f8": "float64" };
export const DESCR_OF: Record<NpyDtype, string> = { float32: "<f4", float64: "<f8" };
const BYTES: Record<NpyDtype, number> = { float32: 4, float64: 8 };

function parseHeader(text: string): { descr: string; fortran: boolean; shape: number[] } {
  // The header is a Python dict literal; these three keys are all the format allows.
  const m = /^\{\s*(.*?)\s*,?\s*\}\s*$/s.exec(text.trim());
  if (!m) throw new NpyError(`bad .npy header (not a dict): ${text.trim().slice(0, 80)}`);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(m[1]);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(m[1]);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(m[1]);
  if (!descr || !fortran || !shape) throw new NpyError(`bad .npy header (needs descr, fortran_order and shape): ${text.trim().slice(0, 80)}`);
  const dims = shape[1]
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (!dims.every((d) => /^\d+$/.test(d))) throw new NpyError(`bad .npy header (shape is not a tuple of sizes): (${shape[1]})`);
  return { descr: descr[1], fortran: fortran[1] === "True", shape: dims.map(Number) };
}

/** Parses the bytes of a `.npy` file. */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const buf = bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !MAGIC.every((b, i) => buf[i] === b)) throw new NpyError("not a .npy file (the magic string \\x93NUMPY is missing)");
  const major = buf[6];
  if (major < 1 || major > 3) throw new NpyError(`unsupported .npy format version ${major}.${buf[7]}`);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerStart = 8 + lengthBytes;
  if (buf.length < headerStart) throw new NpyError("truncated .npy header");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (buf.length < headerStart + headerLength) throw new NpyError("truncated .npy header");
  const header = parseHeader(new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(buf.subarray(headerStart, headerStart + headerLength)));
  const dtype = DESCR[header.descr];
  if (!dtype) {
    const hint = header.descr === ">f4" || header.descr === ">f8" ? " (big-endian; save it little-endian)" : "";
    throw new NpyError(`unsupported dtype '${header.descr}'${hint}: only float32 ('<f4') and float64 ('<f8') are read`);
  }
  if (header.fortran) throw new NpyError("Fortran-ordered arrays are not read; save it in C order (numpy.ascontiguousarray)");
  const count = header.shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  const expected = count * BYTES[dtype];
  const got = buf.length - dataStart;
  if (got < expected) throw new NpyError(`truncated .npy data: shape (${header.shape.join(", ")}) needs ${expected} bytes, the file has ${got}`);
  if (got > expected) throw new NpyError(`.npy data is longer than its shape (${header.shape.join(", ")}) says: ${got} bytes, expected ${expected}`);
  // Copy so the result is aligned and independent of the file buffer.
  const raw = new Uint8Array(expected);
  raw.set(buf.subarray(dataStart, dataStart + expected));
  const data = dtype === "float32" ? new Float32Array(raw.buffer) : new Float64Array(raw.buffer);
  return { dtype, shape: header.shape, data };
}

/** Float32 view of an array (float64 is narrowed; the solvers work in float32). */
export function toFloat32(array: NpyArray): Float32Array {
  return array.data instanceof Float32Array ? array.data : Float32Array.from(array.data);
}
