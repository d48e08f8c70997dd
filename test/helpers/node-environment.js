/**
 * Jest runs each test file in its own V8 realm, so `new Float32Array()` in a test is not an
 * instance of the Float32Array that onnxruntime-node's native binding checks against.
 * Sharing the host realm's typed-array and buffer constructors makes real ORT inference work.
 */
const NodeEnvironment = require("jest-environment-node").TestEnvironment;

const SHARED = [
  "ArrayBuffer", "SharedArrayBuffer", "DataView", "Buffer",
  "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",
  "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
];

class SharedTypedArrayEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArrayEnvironment;
