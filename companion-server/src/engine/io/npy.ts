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
import { DESCR_OF, MAGIC, NpyArray, NpyError, parseNpy } from "./npy-parse";

export { NpyError, parseNpy, toFloat32 } from "./npy-parse";
export type { NpyArray, NpyDtype } from "./npy-parse";

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
  head.set(MAGIC, 0);
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

/** Reads a float array of exactly this rank; `what` names it in errors. */
export function readNpyOfRank(file: string, rank: number, what: string): NpyArray {
  const array = readNpy(file);
  if (array.shape.length !== rank) throw new NpyError(`${file}: ${what} must have ${rank} axes, this one has shape (${array.shape.join(", ")})`);
  return array;
}
