/** Work is bounded up front: past the limit of queued and running jobs a new one gets 429 with Retry-After. */
import { buildTestApp } from "../helpers/server";

it("accepts jobs up to the limit, refuses the next with 429 and Retry-After, and accepts again once one ends", async () => {
  const { app, close } = await buildTestApp({ jobLimit: 3 });
  try {
    const slow = { model: "tiny-test", layer: "4x4", parts: 4, appearances: 16, samples: 16, solver: "reference", iterations: 1000000 };
    const accepted: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: "POST", url: "/api/factorisations", payload: slow });
      expect(res.statusCode).toBe(202);
      accepted.push(res.json().jobId);
    }
    const refused = await app.inject({ method: "POST", url: "/api/factorisations", payload: slow });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBe("10");
    expect(refused.json()).toEqual({
      statusCode: 429,
      code: "TOO_MANY_JOBS",
      error: "Too Many Requests",
      message: "3 factorisation jobs are queued or running (the limit is 3); wait for one to end or cancel one, then try again",
    });
    expect(app.jobs.list()).toHaveLength(3);

    expect((await app.inject({ method: "DELETE", url: `/api/jobs/${accepted[2]}` })).statusCode).toBe(202);
    expect((await app.inject({ method: "POST", url: "/api/factorisations", payload: slow })).statusCode).toBe(202);
  } finally {
    await close();
  }
});
