/** Jest runs TypeScript through ts-jest; browser, Python and CLI tests spawn real processes. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.tsx?$": ["ts-jest", { tsconfig: "tsconfig.json", isolatedModules: true }] },
  moduleNameMapper: { "^@server-api/(.*)$": "<rootDir>/companion-server/src/api/$1" },
  testTimeout: 120000,
};
