import { type Command, Option } from 'commander';
import type { ApiClient } from './api.js';
import { Output } from './output.js';
import { type GlobalOptions, Target } from './target.js';

/** What every command works with: where Hookline is, and where to write. */
export interface Context {
  readonly target: Target;
  readonly out: Output;
  api(): Promise<ApiClient>;
}

const GLOBALS = [
  { flags: '--url <url>', key: 'url', help: 'API base URL (env HOOKLINE_URL; default local mode)' },
  { flags: '--api-key <key>', key: 'apiKey', help: 'API key (env HOOKLINE_API_KEY)' },
  { flags: '--stack <name>', key: 'stack', help: "a deployed stack's outputs and admin key" },
  { flags: '--region <region>', key: 'region', help: 'AWS region of --stack (env AWS_REGION)' },
  { flags: '--json', key: 'json', help: 'print machine JSON only' },
  { flags: '--no-color', key: 'color', help: 'never colour output (env NO_COLOR)' },
] as const;

/** The global options, on the program: they may stand before the subcommand. */
export function addGlobalOptions(program: Command): void {
  for (const option of GLOBALS) program.option(option.flags, option.help);
}

/**
 * The program stops reading its options at the subcommand (so `endpoints add --url` can mean
 * the endpoint's URL), so each command also takes them, hidden from its help, after it.
 */
export function acceptGlobalOptionsAfter(command: Command): Command {
  // Groups (`endpoints`) only pass on to their commands.
  if (command.commands.length > 0) return command;
  for (const option of GLOBALS) {
    const ownName = command.options.some((o) => o.attributeName() === option.key);
    if (!ownName) command.addOption(new Option(option.flags, option.help).hideHelp());
  }
  return command;
}

function globalOptions(command: Command): GlobalOptions {
  const chain: Command[] = [];
  for (let c: Command | null = command; c; c = c.parent) chain.unshift(c);
  const merged: Record<string, unknown> = {};
  for (const option of GLOBALS) {
    // The last one given on the command line wins; a command's own option of the same name
    // (`endpoints add --url`) is the command's and not this global.
    for (const [depth, c] of chain.entries()) {
      const hidden = c.options.find((o) => o.attributeName() === option.key);
      if (hidden === undefined || (depth > 0 && !hidden.hidden)) continue;
      const source = c.getOptionValueSource(option.key);
      if (source === 'cli' || (depth === 0 && merged[option.key] === undefined)) {
        merged[option.key] = c.getOptionValue(option.key);
      }
    }
  }
  return merged as GlobalOptions;
}

export function contextOf(command: Command): Context {
  const options = globalOptions(command);
  const target = new Target(options);
  return {
    target,
    out: new Output(options.json === true, options.color),
    api: () => target.client(),
  };
}

/** Adds `Examples:` to a command's help, each line a command to type. */
export function examples(command: Command, lines: readonly string[]): Command {
  command.addHelpText('after', `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`);
  return command;
}
