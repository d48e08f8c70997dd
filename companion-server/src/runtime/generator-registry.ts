/** All loaded generators of the process, by model id, and the bundles that failed to load. */
import { BundleLoadError, scanBundles } from "./bundle-loader";
import { SessionFactory } from "./execution-providers";
import { Generator } from "./generator";

export class GeneratorRegistry {
  private readonly generators = new Map<string, Generator>();
  readonly failures: BundleLoadError[];

  constructor(
    modelDirs: string[],
    readonly sessions: SessionFactory,
  ) {
    const scan = scanBundles(modelDirs);
    for (const bundle of scan.bundles) this.generators.set(bundle.manifest.id, new Generator(bundle, sessions));
    this.failures = scan.failures;
  }

  get(id: string): Generator | undefined {
    return this.generators.get(id);
  }

  ids(): string[] {
    return [...this.generators.keys()];
  }

  all(): Generator[] {
    return [...this.generators.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((g) => g.release()));
    await this.sessions.close();
  }
}
