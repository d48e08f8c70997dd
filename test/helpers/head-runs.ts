/** Watches a generator's dedicated heads (Generator.openHead, what sampling uses): heads opened, released, and each run's answer. */
import { FeatureBatch, Generator } from "../../companion-server/src/runtime/generator";

export function watchHeadRuns(generator: Generator) {
  const seen = { opened: 0, released: 0, runs: [] as number[], answers: [] as FeatureBatch[] };
  const open = generator.openHead.bind(generator);
  const spy = jest.spyOn(generator, "openHead").mockImplementation(async (layerId) => {
    const dedicated = await open(layerId);
    seen.opened++;
    return {
      head: async (latents, count, truncation) => {
        seen.runs.push(count);
        const answer = await dedicated.head(latents, count, truncation);
        seen.answers.push(answer);
        return answer;
      },
      release: async () => {
        seen.released++;
        await dedicated.release();
      },
    };
  });
  return { seen, restore: () => spy.mockRestore() };
}
