// Entry of an imaging worker thread (see imaging-pool.ts): the TypeScript source runs through tsx, as bin/panda.js does.
require("tsx/cjs");
// Nicer than the event-loop thread, before anything (ONNX Runtime's pool) starts threads of its own.
require("../util/thread-priority.ts").lowerThisThreadPriority();
require("./imaging-worker.ts");
