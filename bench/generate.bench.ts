/**
 * Images per second at batch 1: through HTTP (POST /api/generate, raw RGBA) and through the
 * raw ONNX Runtime sessions of the same bundle, in the same run, rounds interleaved so that
 * both see the same machine load; also through fastify's inject() (the server's work without
 * sockets), to tell the server's overhead from the loopback round trip. Prints JSON.  npm run bench:generate [-- --model ID --images N]
 */
import { AddressInfo } from "node:net";
import { Agent, request } from "node:http";
import { buildApp } from "../companion-server/src/app";
import { defaultModelDirs } from "../companion-server/src/cli/paths";
import { sampleLatents } from "../companion-server/src/runtime/random";
import { benchModelId, nowMs, numberArg } from "./bench-util";

async function main(): Promise<void> {
  const model = benchModelId();
  const images = numberArg("--images", 200);
  const rounds = 5;
  const app = await buildApp({ modelDirs: defaultModelDirs() });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/generate`;
  const generator = app.requireGenerator(model);
  const { size, distribution } = generator.manifest.latent;

  const viaOrt = async (seed: number) => {
    await generator.generate(sampleLatents(distribution, size, seed), 1);
  };
  // node:http with keep-alive: the leanest client, so the figure is the server's overhead.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const viaHttp = (seed: number) =>
    new Promise<void>((resolve, reject) => {
      const req = request(url, { method: "POST", agent, headers: { "content-type": "application/json", accept: "application/octet-stream" } }, (res) => {
        res.on("data", () => {});
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ model, seed }));
    });
  // The same request through fastify's inject(): the server's own work, without sockets.
  const viaInject = async (seed: number) => {
    const res = await app.inject({ method: "POST", url: "/api/generate", payload: { model, seed }, headers: { accept: "application/octet-stream", host: new URL(url).host } });
    if (res.statusCode !== 200) throw new Error(`inject ${res.statusCode}`);
  };
  const timeMany = async (run: (seed: number) => Promise<void>, n: number) => {
    const start = nowMs();
    for (let i = 0; i < n; i++) await run(i);
    return nowMs() - start;
  };

  await timeMany(viaOrt, 20); // warm-up: sessions open, JIT, sockets
  await timeMany(viaHttp, 20);
  await timeMany(viaInject, 20);
  let ortMs = 0;
  let httpMs = 0;
  let injectMs = 0;
  const perRound = Math.ceil(images / rounds);
  for (let r = 0; r < rounds; r++) {
    ortMs += await timeMany(viaOrt, perRound);
    httpMs += await timeMany(viaHttp, perRound);
    injectMs += await timeMany(viaInject, perRound);
  }
  const n = perRound * rounds;
  const ortRate = (1000 * n) / ortMs;
  const httpRate = (1000 * n) / httpMs;
  const m = generator.manifest;
  console.log(
    JSON.stringify(
      {
        bench: "generate",
        model,
        image: `${m.image.width}x${m.image.height}`,
        device: app.generators.sessions.status().active,
        batch: 1,
        images: n,
        ortImagesPerSecond: +ortRate.toFixed(1),
        httpImagesPerSecond: +httpRate.toFixed(1),
        ortMsPerImage: +(ortMs / n).toFixed(3),
        httpMsPerImage: +(httpMs / n).toFixed(3),
        injectMsPerImage: +(injectMs / n).toFixed(3),
        httpOverhead: +(ortRate / httpRate - 1).toFixed(3),
        serverOverheadWithoutSockets: +(injectMs / ortMs - 1).toFixed(3),
        target: "httpOverhead <= 0.15",
      },
      null,
      2,
    ),
  );
  agent.destroy();
  await app.close();
}

main().catch((err) => {
  console.error(`bench:generate: ${(err as Error).message}`);
  process.exit(1);
});
