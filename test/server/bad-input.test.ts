/** Every bad input gets a 4xx whose message says what to fix, and the server keeps serving. */
import { FastifyInstance, InjectOptions } from "fastify";
import { buildTestApp } from "../helpers/server";

let app: FastifyInstance;
let close: () => Promise<void>;
beforeAll(async () => ({ app, close } = await buildTestApp({ bodyLimit: 4096 })));
afterAll(async () => close());

const post = (payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
  method: "POST",
  url: "/api/generate",
  payload: payload as string,
  headers: { "content-type": "application/json", ...headers },
});

const cases: [string, InjectOptions, number, string, RegExp][] = [
  ["unknown model", post({ model: "nope", seed: 1 }), 404, "UNKNOWN_MODEL", /unknown model "nope"; available: tiny-test/],
  ["wrong latent length", post({ model: "tiny-test", latent: [1, 2, 3] }), 400, "LATENT_LENGTH", /latent has 3 values; model "tiny-test" needs exactly 16/],
  ["non-finite number (1e999 parses to Infinity)", post('{"model":"tiny-test","latent":[1e999,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}'), 400, "BAD_REQUEST", /body\.latent\.0 must be a finite number/],
  ["a latent beyond float32 (1e39)", post(`{"model":"tiny-test","latent":[0,0,1e39${",0".repeat(13)}]}`), 400, "LATENT_RANGE", /latent\[2\] = 1e\+39 is beyond the float32 range/],
  ["a latent beyond float32 (-1e300)", post(`{"model":"tiny-test","latent":[-1e300${",0".repeat(15)}]}`), 400, "LATENT_RANGE", /latent\[0\] = -1e\+300 is beyond the float32 range/],
  ["non-number in latent", post({ model: "tiny-test", latent: ["a"] }), 400, "BAD_REQUEST", /body\.latent\.0 must be a finite number/],
  ["seed below range", post({ model: "tiny-test", seed: -1 }), 400, "BAD_REQUEST", /body\.seed must be >= 0/],
  ["seed above range", post({ model: "tiny-test", seed: 2 ** 32 }), 400, "BAD_REQUEST", /body\.seed must be <= 4294967295/],
  ["fractional seed", post({ model: "tiny-test", seed: 1.5 }), 400, "BAD_REQUEST", /body\.seed must be integer/],
  ["seed and latent together", post({ model: "tiny-test", seed: 1, latent: new Array(16).fill(0) }), 400, "SEED_AND_LATENT", /either "seed" or "latent"/],
  ["truncation out of range", post({ model: "tiny-test", seed: 1, truncation: 5 }), 400, "BAD_REQUEST", /body\.truncation must be <= 2/],
  ["wrong type for model", post({ model: 5, seed: 1 }), 400, "BAD_REQUEST", /body\.model must be string/],
  ["missing model", post({ seed: 1 }), 400, "BAD_REQUEST", /missing the field "model"/],
  ["unknown field", post({ model: "tiny-test", sed: 1 }), 400, "BAD_REQUEST", /unknown field "sed"/],
  ["malformed JSON", post('{"model": "tiny-test",'), 400, "MALFORMED_JSON", /not valid JSON/],
  ["oversize body", post(JSON.stringify({ model: "tiny-test", latent: new Array(2000).fill(0.123456) })), 413, "BODY_TOO_LARGE", /larger than the limit of 4096 bytes/],
  ["wrong content type", { method: "POST", url: "/api/generate", payload: "model=tiny-test", headers: { "content-type": "text/plain" } }, 415, "UNSUPPORTED_MEDIA_TYPE", /content type "text\/plain" is not accepted; send application\/json/],
  ["unanswerable Accept", post({ model: "tiny-test", seed: 1 }, { accept: "image/jpeg" }), 406, "NOT_ACCEPTABLE", /ask for image\/png, application\/octet-stream, application\/json/],
  ["unknown route", { method: "GET", url: "/api/nothing-here" }, 404, "UNKNOWN_ROUTE", /no route GET \/api\/nothing-here/],
  ["wrong method", { method: "GET", url: "/api/generate" }, 404, "UNKNOWN_ROUTE", /no route GET \/api\/generate/],
];

describe.each(cases)("%s", (_name, request, status, code, message) => {
  it(`answers ${status} ${code} with a message that says what to fix`, async () => {
    const res = await app.inject(request);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ statusCode: status, code });
    expect(res.json().message).toMatch(message);
  });
});

it("keeps serving after every bad request", async () => {
  for (const [, request] of cases) await app.inject(request);
  const ok = await app.inject(post({ model: "tiny-test", seed: 1 }));
  expect(ok.statusCode).toBe(200);
});
