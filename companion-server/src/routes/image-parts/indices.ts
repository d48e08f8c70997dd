import { ApiError } from "../../api/errors";
import { StoredFactorisation } from "../../store/factorisation-store";

/** Refuses part and appearance indices the factorisation does not have, naming the valid range. */
export function requireIndices(f: StoredFactorisation, parts: readonly number[], appearances: readonly number[]): void {
  for (const index of parts) if (index >= f.factors.partsRank) throw new ApiError("UNKNOWN_PART", { index, id: f.id, count: f.factors.partsRank });
  for (const index of appearances) if (index >= f.factors.appearancesRank) throw new ApiError("UNKNOWN_APPEARANCE", { index, id: f.id, count: f.factors.appearancesRank });
}
