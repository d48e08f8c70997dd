/** The reference solver's exact gradients against central finite differences of the per-sample loss. */
import { appearancesGradient, partsGradient } from "../../../companion-server/src/engine/panda/gradients";
import { Matrix, matrix } from "../../../companion-server/src/engine/tensor/matrix";
import { TypeScriptBackend } from "../../../companion-server/src/engine/tensor/typescript-backend";
import { createRng, fillNormal } from "../../../companion-server/src/runtime/random";

const [c, s, rc, rs] = [5, 7, 3, 2];
const rng = createRng(3);
const z = matrix(c, s, fillNormal(new Float32Array(c * s), rng));
const a = matrix(c, rc, fillNormal(new Float32Array(c * rc), rng));
const p = matrix(s, rs, Float32Array.from({ length: s * rs }, () => 0.2 + rng()));

/** ‖Z − AAᵀZPPᵀ‖²_F in float64, straight from the definition. */
function loss(av: Float64Array, pv: Float64Array): number {
  const mul = (x: Float64Array, xr: number, xc: number, y: Float64Array, yc: number, tx = false, ty = false) => {
    const out = new Float64Array(xr * yc);
    for (let i = 0; i < xr; i++)
      for (let j = 0; j < yc; j++) {
        let acc = 0;
        for (let k = 0; k < xc; k++) acc += (tx ? x[k * xr + i] : x[i * xc + k]) * (ty ? y[j * xc + k] : y[k * yc + j]);
        out[i * yc + j] = acc;
      }
    return out;
  };
  const zv = Float64Array.from(z.data);
  const atz = mul(av, rc, c, zv, s, true); // rc×s
  const aatz = mul(av, c, rc, atz, s); // c×s
  const w = mul(aatz, c, s, pv, rs); // c×rs
  const r = mul(w, c, rs, pv, s, false, true); // c×s
  let sum = 0;
  for (let i = 0; i < zv.length; i++) sum += (zv[i] - r[i]) ** 2;
  return sum;
}

function finiteDifferences(at: Matrix, evaluate: (values: Float64Array) => number, h = 1e-4): Float64Array {
  const base = Float64Array.from(at.data);
  const out = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const plus = Float64Array.from(base);
    const minus = Float64Array.from(base);
    plus[i] += h;
    minus[i] -= h;
    out[i] = (evaluate(plus) - evaluate(minus)) / (2 * h);
  }
  return out;
}

function expectSameGradient(exact: Matrix, numeric: Float64Array): void {
  const scale = Math.max(...Array.from(numeric, Math.abs));
  for (let i = 0; i < numeric.length; i++) expect(Math.abs(exact.data[i] - numeric[i])).toBeLessThan(1e-4 * scale);
}

const backend = new TypeScriptBackend();

test("∇_P matches finite differences", async () => {
  const exact = await partsGradient(backend, z, a, p);
  expectSameGradient(exact, finiteDifferences(p, (pv) => loss(Float64Array.from(a.data), pv)));
});

test("∇_A matches finite differences", async () => {
  const exact = await appearancesGradient(backend, z, a, p);
  expectSameGradient(exact, finiteDifferences(a, (av) => loss(av, Float64Array.from(p.data))));
});
