/**
 * The factors of a saved factorisation from its two .npy files, checked against its meta.json:
 * pure TypeScript over the files' bytes, so the server (reading folders) and the in-browser
 * engine (reading them by URL) refuse the same broken files with the same words.
 */
import { parseNpy, toFloat32 } from "../engine/io/npy-parse";
import type { Factors } from "../engine/panda/types";
import type { FactorisationModel } from "../engine/panda/image-parts";
import type { FactorisationMeta } from "./factorisation-meta";

export interface SavedFactorisation extends FactorisationModel {
  meta: FactorisationMeta;
}

/** A problem with one file of the folder (the caller names where the file is). */
export class FactorFileError extends Error {
  constructor(
    readonly file: "parts" | "appearances",
    message: string,
  ) {
    super(message);
  }
}

function matrix(bytes: Uint8Array, file: "parts" | "appearances", rows: number, cols: number, what: string): Float32Array {
  let array;
  try {
    array = parseNpy(bytes);
  } catch (err) {
    throw new FactorFileError(file, (err as Error).message);
  }
  if (array.shape.length !== 2 || array.shape[0] !== rows || array.shape[1] !== cols)
    throw new FactorFileError(file, `${what} has shape (${array.shape.join(", ")}), meta.json says (${rows}, ${cols})`);
  const data = toFloat32(array);
  if (!data.every(Number.isFinite)) throw new FactorFileError(file, `${what} holds NaN or infinite values`);
  return data;
}

/** P from parts.npy and A from appearances.npy, with the meta's statistics. */
export function savedFactorisation(meta: FactorisationMeta, partsNpy: Uint8Array, appearancesNpy: Uint8Array): SavedFactorisation {
  const { channels, height, width } = meta.shape;
  const parts = matrix(partsNpy, "parts", height * width, meta.ranks.parts, "P");
  const appearances = matrix(appearancesNpy, "appearances", channels, meta.ranks.appearances, "A");
  if (parts.some((v) => v < 0)) throw new FactorFileError("parts", "P has negative values (parts must be non-negative)");
  const factors: Factors = { shape: meta.shape, partsRank: meta.ranks.parts, appearancesRank: meta.ranks.appearances, parts, appearances };
  if (meta.partCentres) factors.partCentres = Float32Array.from(meta.partCentres);
  return { meta, factors, saliency: meta.saliency, background: meta.background };
}
