import { CliError, ReportedFailure } from './errors.js';
import { buildProgram, CommanderError, commanderExitCode } from './program.js';

/** Runs one command; expected failures print one line and set the exit code, never a stack. */
async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    if (error instanceof CliError) {
      if (!(error instanceof ReportedFailure)) process.stderr.write(`hookline: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv);
