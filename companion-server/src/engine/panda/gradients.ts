/**
 * The exact gradients of the published algorithm (DESIGN §4) for one sample Z (C×S):
 *   ∇_P = −4 ZᵀΠ_A Z P + 2 (P PᵀNP + NP PᵀP),  N = ZᵀΠ_A²Z,  Π_A = AAᵀ
 *   ∇_A = −4 ZΠ_P Zᵀ A + 2 (AAᵀQA + QA AᵀA),   Q = ZΠ_P²Zᵀ,  Π_P = PPᵀ
 * Products are ordered so that nothing larger than C×R_C or S×R_S is formed (no S×S or C×C per
 * sample): every term is a chain through W = ZP and AᵀW.
 */
import { TensorBackend } from "../tensor/backend";
import { Matrix, combine } from "../tensor/matrix";

export async function partsGradient(backend: TensorBackend, z: Matrix, a: Matrix, p: Matrix): Promise<Matrix> {
  const mm = backend.matmul.bind(backend);
  const v = await mm(a, await mm(z, p), { transposeA: true }); // AᵀZP
  const av = await mm(a, v); // Π_A Z P
  const projected = await mm(z, av, { transposeA: true }); // ZᵀΠ_A Z P
  const np = await mm(z, await mm(a, await mm(a, av, { transposeA: true })), { transposeA: true }); // N P = ZᵀA(AᵀA)AᵀZP
  const ptnp = await mm(av, av, { transposeA: true }); // PᵀNP = (Π_A Z P)ᵀ(Π_A Z P)
  const ptp = await mm(p, p, { transposeA: true });
  return combine([
    [-4, projected],
    [2, await mm(p, ptnp)],
    [2, await mm(np, ptp)],
  ]);
}

export async function appearancesGradient(backend: TensorBackend, z: Matrix, a: Matrix, p: Matrix): Promise<Matrix> {
  const mm = backend.matmul.bind(backend);
  const w = await mm(z, p); // C×R_S
  const wta = await mm(w, a, { transposeA: true }); // WᵀA: R_S×R_C
  const ptp = await mm(p, p, { transposeA: true });
  const projected = await mm(w, wta); // ZΠ_P ZᵀA
  // AAᵀQA = (A·AᵀW·PᵀP)·WᵀA
  const aatqa = await mm(await mm(await mm(a, wta, { transposeB: true }), ptp), wta);
  // QAAᵀA = (W·PᵀP)·(WᵀA·Aᵀ·A)
  const qaata = await mm(await mm(w, ptp), await mm(await mm(wta, a, { transposeB: true }), a));
  return combine([
    [-4, projected],
    [2, aatqa],
    [2, qaata],
  ]);
}

/** Σ over samples of a per-sample gradient. */
export async function summedGradient(samples: Matrix[], gradient: (z: Matrix) => Promise<Matrix>): Promise<Matrix> {
  const parts: Array<[number, Matrix]> = [];
  for (const z of samples) parts.push([1, await gradient(z)]);
  return parts.length === 1 ? parts[0][1] : combine(parts);
}
