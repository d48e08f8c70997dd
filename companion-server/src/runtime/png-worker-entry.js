// Entry of the PNG encoding thread (see png-thread.ts): the TypeScript source runs through tsx, as bin/panda.js does.
require("tsx/cjs");
require("./png-worker.ts");
