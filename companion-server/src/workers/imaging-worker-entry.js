// Entry of an imaging worker thread (see imaging-pool.ts): the TypeScript source runs through tsx, as bin/panda.js does.
require("tsx/cjs");
require("./imaging-worker.ts");
