/**
 * The exact gradients of the published algorithm (DESIGN §4) for one sample Z (C×S):
 *   ∇_P = −4 ZᵀΠ_A Z P + 2 (P PᵀNP + NP PᵀP),  N = ZᵀΠ_A²Z,  Π_A = AAᵀ
 *   ∇_A = −4 ZΠ_P Zᵀ A + 2 (AAᵀQA + QA AᵀA),   Q = ZΠ_P²Zᵀ,  Π_P = PPᵀ
 * Products are ordered so that nothing larger than C×R_C or S×R_S is formed (no S×S or C×C per
 * sample): every term is a chain through W = ZP and AᵀW. Written once against Ops, so the same
 * code runs in TypeScript and as one ONNX graph per step.
 */
import { TensorBackend } from "../tensor/backend";
import { Matrix } from "../tensor/matrix";
import { Ops, Program } from "../tensor/program";

export function partsGradientOf<T>(ops: Ops<T>, z: T, a: T, p: T): T {
  const mm = ops.matmul;
  const av = mm(a, mm(a, mm(z, p), { transposeA: true })); // Π_A Z P
  const projected = mm(z, av, { transposeA: true }); // ZᵀΠ_A Z P
  const np = mm(z, mm(a, mm(a, av, { transposeA: true })), { transposeA: true }); // N P = ZᵀA(AᵀA)AᵀZP
  const ptnp = mm(av, av, { transposeA: true }); // PᵀNP = (Π_A Z P)ᵀ(Π_A Z P)
  const ptp = mm(p, p, { transposeA: true });
  return ops.combine([
    [-4, projected],
    [2, mm(p, ptnp)],
    [2, mm(np, ptp)],
  ]);
}

export function appearancesGradientOf<T>(ops: Ops<T>, z: T, a: T, p: T): T {
  const mm = ops.matmul;
  const w = mm(z, p); // C×R_S
  const wta = mm(w, a, { transposeA: true }); // WᵀA: R_S×R_C
  const ptp = mm(p, p, { transposeA: true });
  const projected = mm(w, wta); // ZΠ_P ZᵀA
  const aatqa = mm(mm(mm(a, wta, { transposeB: true }), ptp), wta); // (A·AᵀW·PᵀP)·WᵀA
  const qaata = mm(mm(w, ptp), mm(mm(wta, a, { transposeB: true }), a)); // (W·PᵀP)·(WᵀA·Aᵀ·A)
  return ops.combine([
    [-4, projected],
    [2, aatqa],
    [2, qaata],
  ]);
}

const sampleNames = (count: number) => Array.from({ length: count }, (_, i) => `z${i}`);

/** Σ over the samples of a per-sample gradient. */
function summed<T>(ops: Ops<T>, zs: T[], gradient: (z: T) => T): T {
  return zs.length === 1 ? gradient(zs[0]) : ops.combine(zs.map((z) => [1, gradient(z)]));
}

/**
 * One iteration of the published algorithm on samples z0…z{b−1}: P ← max(0, P − lr·∇_P), then
 * A ← A − lr·∇_A with the new P. Inputs a, p, z0…; outputs a, p.
 */
export function referenceStep(samples: number, lr: number): Program {
  return (ops, inputs) => {
    const zs = sampleNames(samples).map((n) => inputs[n]);
    const { a } = inputs;
    const p = ops.relu(ops.combine([[1, inputs.p], [-lr, summed(ops, zs, (z) => partsGradientOf(ops, z, a, inputs.p))]]));
    return { p, a: ops.combine([[1, a], [-lr, summed(ops, zs, (z) => appearancesGradientOf(ops, z, a, p))]]) };
  };
}

/** The P-step alone on one sample, A fixed (per-image refinement). Inputs z, a, p; output p. */
export function partsStep(lr: number): Program {
  return (ops, { z, a, p }) => ({ p: ops.relu(ops.combine([[1, p], [-lr, partsGradientOf(ops, z, a, p)]])) });
}

export function sampleInputs(samples: Matrix[]): Record<string, Matrix> {
  return Object.fromEntries(sampleNames(samples.length).map((n, i) => [n, samples[i]]));
}

export async function partsGradient(backend: TensorBackend, z: Matrix, a: Matrix, p: Matrix): Promise<Matrix> {
  return (await backend.run("parts-gradient", (ops, x) => ({ g: partsGradientOf(ops, x.z, x.a, x.p) }), { z, a, p })).g;
}

export async function appearancesGradient(backend: TensorBackend, z: Matrix, a: Matrix, p: Matrix): Promise<Matrix> {
  return (await backend.run("appearances-gradient", (ops, x) => ({ g: appearancesGradientOf(ops, x.z, x.a, x.p) }), { z, a, p })).g;
}
