/**
 * Small matrix programs written once against `Ops<T>` and run by any backend: the TypeScript
 * backend evaluates them directly (T = Matrix), the ORT backend traces them into one ONNX graph
 * (T = a symbolic value) so that a chain of small products costs one session run, not one per
 * product. The reference solver's step and the per-image refinement are such chains.
 */
import { GraphBuilder } from "../../onnx/graph-builder";
import { Matrix, combine, matrix, multiply } from "./matrix";

export interface Ops<T> {
  matmul(a: T, b: T, options?: { transposeA?: boolean; transposeB?: boolean }): T;
  /** Σ_k α_k·X_k */
  combine(terms: Array<[number, T]>): T;
  /** max(0, X) */
  relu(x: T): T;
}

/** A program maps named input matrices to named output matrices. */
export type Program = <T>(ops: Ops<T>, inputs: Record<string, T>) => Record<string, T>;

/** Direct evaluation in TypeScript. */
export const matrixOps: Ops<Matrix> = {
  matmul: (a, b, options = {}) => multiply(a, b, options.transposeA, options.transposeB),
  combine,
  relu: (x) => matrix(x.rows, x.cols, x.data.map((v) => Math.max(0, v))),
};

interface Symbol {
  name: string;
  rows: number;
  cols: number;
}

/** Graph outputs are renamed: ONNX forbids an output with an input's name (a program may map p → p). */
export const outputPrefix = "out_";

/** Traces a program into an ONNX graph for the given input shapes. */
export function traceProgram(program: Program, shapes: Record<string, [number, number]>): Uint8Array {
  const g = new GraphBuilder("program");
  const ops: Ops<Symbol> = {
    matmul(a, b, options = {}) {
      const [m, k] = options.transposeA ? [a.cols, a.rows] : [a.rows, a.cols];
      const [kb, n] = options.transposeB ? [b.cols, b.rows] : [b.rows, b.cols];
      if (k !== kb) throw new Error(`matmul: inner sizes differ (${m}×${k} · ${kb}×${n})`);
      return { name: g.node("Gemm", [a.name, b.name], { transA: options.transposeA ? 1 : 0, transB: options.transposeB ? 1 : 0 }), rows: m, cols: n };
    },
    combine(terms) {
      const [, first] = terms[0];
      const scaled = terms.map(([alpha, x]) => (alpha === 1 ? x.name : g.node("Mul", [x.name, g.constant([alpha], [])])));
      return { name: scaled.length === 1 ? scaled[0] : g.node("Sum", scaled), rows: first.rows, cols: first.cols };
    },
    relu: (x) => ({ ...x, name: g.node("Relu", [x.name]) }),
  };
  const inputs: Record<string, Symbol> = {};
  for (const [name, [rows, cols]] of Object.entries(shapes)) inputs[name] = { name: g.input(name, [rows, cols]), rows, cols };
  for (const [name, value] of Object.entries(program(ops, inputs))) g.output(value.name, outputPrefix + name, [value.rows, value.cols]);
  return g.toModelBytes();
}
