/**
 * NumPy `.npy` files (format versions 1.0–3.0): read and write float32 / float64 arrays in
 * C order, any shape. Everything else (Fortran order, other dtypes, big-endian data, a bad
 * header, truncated or surplus data) is refused with a message naming the problem, because a
 * silently reinterpreted feature tensor would give a factorisation of garbage.
 *
 * A small implementation rather than a package: the npm parsers read only, and accept
 * Fortran-ordered files without saying so.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../../util/atomic-write";

export type NpyDtype = "float32" | "float64";

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: Float32Array | Float64Array;
}

export class NpyError extends Error {}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const DESCR: Record<string, NpyDtype> = { "<f4": "float32", "<f8": "float64" };
const DESCR_OF: Record<NpyDtype, string> = { float32: "<f4", float64: "<f8" };
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
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new NpyError("not a .npy file (the magic string \\x93NUMPY is missing)");
  const major = buf[6];
  if (major < 1 || major > 3) throw new NpyError(`unsupported .npy format version ${major}.${buf[7]}`);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerStart = 8 + lengthBytes;
  if (buf.length < headerStart) throw new NpyError("truncated .npy header");
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  if (buf.length < headerStart + headerLength) throw new NpyError("truncated .npy header");
  const header = parseHeader(buf.subarray(headerStart, headerStart + headerLength).toString(major === 3 ? "utf8" : "latin1"));
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

export function readNpy(file: string): NpyArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new NpyError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message}`);
  }
  try {
    return parseNpy(bytes);
  } catch (err) {
    throw new NpyError(`${file}: ${(err as Error).message}`);
  }
}

/** The bytes of a `.npy` file (version 1.0, or 2.0 when the header needs it). */
export function formatNpy(array: NpyArray): Buffer {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (!array.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new NpyError(`bad shape (${array.shape.join(", ")})`);
  if (count !== array.data.length) throw new NpyError(`shape (${array.shape.join(", ")}) holds ${count} values, the data has ${array.data.length}`);
  if ((array.dtype === "float32") !== array.data instanceof Float32Array) throw new NpyError(`data is not ${array.dtype}`);
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(", ")})`;
  let dict = `{'descr': '${DESCR_OF[array.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const version = dict.length + 11 > 65535 ? 2 : 1;
  const prefix = version === 1 ? 10 : 12;
  // Pad with spaces so the data starts on a 64-byte boundary, ending with a newline.
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - prefix - 1, " ") + "\n";
  const head = Buffer.alloc(prefix);
  MAGIC.copy(head, 0);
  head[6] = version;
  head[7] = 0;
  if (version === 1) head.writeUInt16LE(dict.length, 8);
  else head.writeUInt32LE(dict.length, 8);
  const data = Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  return Buffer.concat([head, Buffer.from(dict, "latin1"), data]);
}

export function writeNpy(file: string, array: NpyArray): void {
  writeFileAtomic(file, formatNpy(array));
}

/** Float32 view of an array (float64 is narrowed; the solvers work in float32). */
export function toFloat32(array: NpyArray): Float32Array {
  return array.data instanceof Float32Array ? array.data : Float32Array.from(array.data);
}

/** Reads a float array of exactly this rank; `what` names it in errors. */
export function readNpyOfRank(file: string, rank: number, what: string): NpyArray {
  const array = readNpy(file);
  if (array.shape.length !== rank) throw new NpyError(`${file}: ${what} must have ${rank} axes, this one has shape (${array.shape.join(", ")})`);
  return array;
}
