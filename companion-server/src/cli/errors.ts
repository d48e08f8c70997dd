/** CLI failures: one readable line on stderr and a non-zero exit code, never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function failAndExit(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`panda: ${message.split("\n")[0]}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}
