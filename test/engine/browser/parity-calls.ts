/** What engine-parity.test.ts asks both engines (the in-browser side runs in in-browser-calls.ts). */
export const SITE = "http://site.test/";
export const FACTORISATION = "synthfaces-8x8";
export const SEED = 7;
