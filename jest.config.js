/** Jest runs TypeScript through ts-jest; browser, Python and CLI tests spawn real processes. */
module.exports = {
  testEnvironment: "<rootDir>/test/helpers/node-environment.js",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.tsx?$": ["ts-jest", { tsconfig: "tsconfig.json", isolatedModules: true }],
    // fastify's inject() pulls in `cookie`, which ships only as an ES module; jest needs CommonJS.
    "/node_modules/cookie/.+\\.js$": ["ts-jest", { tsconfig: { allowJs: true, module: "commonjs" }, isolatedModules: true }],
  },
  transformIgnorePatterns: ["/node_modules/(?!cookie/)"],
  moduleNameMapper: {
    "^@server-api/(.*)$": "<rootDir>/companion-server/src/api/$1",
    // UXP provides these to the Photoshop plugin at run time; tests get recording fakes.
    "^photoshop$": "<rootDir>/test/mocks/photoshop-module.ts",
    "^uxp$": "<rootDir>/test/mocks/uxp.ts",
  },
  testTimeout: 120000,
};
