/** The one error registry: every key is its own code, statuses are client or server errors, messages say what to fix. */
import { ApiError, ERRORS, ErrorCode } from "../../companion-server/src/api/errors";

const codes = Object.keys(ERRORS) as ErrorCode[];

it.each(codes)("%s: code equals key, status is 4xx/5xx, message fills its template", (code) => {
  const params = new Proxy({}, { get: (_t, key) => `<${String(key)}>` }) as Record<string, string>;
  const err = new ApiError(code, params);
  expect(err.code).toBe(code);
  expect(err.statusCode).toBeGreaterThanOrEqual(400);
  expect(err.statusCode).toBeLessThan(600);
  expect(err.message.trim().length).toBeGreaterThan(0);
  expect(err.message).not.toMatch(/undefined/);
});
