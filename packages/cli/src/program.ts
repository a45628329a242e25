import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerEndpoints } from './commands/endpoints.js';
import { registerEvents } from './commands/events.js';
import { registerHealth } from './commands/health.js';
import { registerKeys } from './commands/keys.js';
import { registerListen } from './commands/listen.js';
import { registerPortal } from './commands/portal.js';
import { registerPublish } from './commands/publish.js';
import { registerRecovery } from './commands/recovery.js';
import { registerSmoke } from './commands/smoke.js';
import { acceptGlobalOptionsAfter, addGlobalOptions, examples } from './context.js';
import { EXIT_USAGE } from './errors.js';

/** The package's own version; src/ and dist/ both sit beside package.json. */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

function eachCommand(command: Command, visit: (command: Command) => void): void {
  for (const sub of command.commands) {
    visit(sub);
    eachCommand(sub, visit);
  }
}

/** The whole command tree; parsing errors throw (exitOverride) instead of exiting. */
export function buildProgram(): Command {
  const program = new Command('hookline')
    .description(
      'Hookline from the command line: publish events, manage endpoints, inspect deliveries and dead letters, replay, and forward webhooks to localhost.',
    )
    .version(VERSION, '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      // Commander's own errors as one line, like every other error of the CLI.
      outputError: (message, write) =>
        write(
          `hookline: ${message
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')
            .trim()}\n`,
        ),
    });
  addGlobalOptions(program);
  program.addHelpText(
    'after',
    `
Target: local mode (http://127.0.0.1:3000, key from .hookline/admin-key) unless --url/HOOKLINE_URL,
--api-key/HOOKLINE_API_KEY or --stack name another Hookline.`,
  );
  examples(program, [
    `hookline publish invoice.paid --data @invoice.json`,
    `hookline endpoints add --url https://example.com/webhooks --events 'invoice.*'`,
    'hookline dlq list',
    `hookline listen --forward-to http://localhost:8080/webhooks --events 'invoice.*'`,
    'hookline --stack Hookline-prod endpoints list --json',
    'hookline smoke --stack Hookline-staging',
  ]);
  registerPublish(program);
  registerEndpoints(program);
  registerEvents(program);
  registerHealth(program);
  registerRecovery(program);
  registerKeys(program);
  registerPortal(program);
  registerListen(program);
  registerSmoke(program);
  eachCommand(program, acceptGlobalOptionsAfter);
  return program;
}

/** The exit code for an error commander threw: 0 after --help or --version, else usage. */
export function commanderExitCode(error: CommanderError): number {
  return error.exitCode === 0 ? 0 : EXIT_USAGE;
}

export { CommanderError };
