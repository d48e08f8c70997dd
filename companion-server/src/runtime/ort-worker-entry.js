// Entry of the ONNX Runtime worker thread (see ort-thread.ts): the TypeScript source runs through tsx, as bin/panda.js does.
require("tsx/cjs");
require("./ort-worker.ts");
