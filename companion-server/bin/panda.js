#!/usr/bin/env node
// The `panda` command. TypeScript sources run through tsx, so there is no build step to forget.
require("tsx/cjs");
require("../src/cli/main.ts").main(process.argv);
