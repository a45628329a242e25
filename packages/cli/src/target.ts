import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiClient, isLoopback } from './api.js';
import { CliError, UsageError } from './errors.js';

/** Local mode's address when nothing else is named (`npm start`'s default port). */
export const LOCAL_API_URL = 'http://127.0.0.1:3000';
/** The bus Hookline's stack and local mode create unless configured otherwise. */
export const DEFAULT_BUS = 'hookline';

/** The options every command takes, wherever they stand on the command line. */
export interface GlobalOptions {
  readonly url?: string;
  readonly apiKey?: string;
  readonly stack?: string;
  readonly region?: string;
  readonly bus?: string;
  readonly json?: boolean;
  readonly color?: boolean;
}

/** The data dir local mode keeps its state in, read from where it writes it. */
export function localDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.HOOKLINE_DATA_DIR ?? '.hookline');
}

type StackOutputs = Readonly<Record<string, string>>;

/**
 * Which Hookline a command talks to and how: the options first, then the environment, then
 * the stack's outputs, then local mode. Each part is looked up only when a command needs it,
 * so publishing over EventBridge needs no API key and `--help` needs nothing at all.
 */
export class Target {
  private outputs: Promise<StackOutputs> | undefined;
  private key: Promise<string> | undefined;

  constructor(
    private readonly options: GlobalOptions,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get region(): string | undefined {
    return this.options.region ?? this.env.AWS_REGION ?? this.env.AWS_DEFAULT_REGION;
  }

  async apiUrl(): Promise<string> {
    const given = this.options.url ?? this.env.HOOKLINE_URL;
    if (given !== undefined) return checkedUrl(given);
    if (this.options.stack !== undefined) return checkedUrl(await this.output('ApiUrl'));
    return LOCAL_API_URL;
  }

  /** Whether the API is local mode's: then EventBridge is the local API too. */
  async isLocal(): Promise<boolean> {
    return isLoopback(await this.apiUrl());
  }

  async busName(): Promise<string> {
    if (this.options.bus !== undefined) return this.options.bus;
    if (this.options.stack !== undefined) return this.output('EventBusName');
    return DEFAULT_BUS;
  }

  apiKey(): Promise<string> {
    this.key ??= this.findKey();
    return this.key;
  }

  /** The stack named with `--stack`, if any. */
  get stack(): string | undefined {
    return this.options.stack;
  }

  /** One output of the `--stack` stack; fails when it has none of that name. */
  stackOutput(name: string): Promise<string> {
    return this.output(name);
  }

  async client(): Promise<ApiClient> {
    const [url, key] = await Promise.all([this.apiUrl(), this.apiKey()]);
    return new ApiClient(url, key);
  }

  private async findKey(): Promise<string> {
    const given = this.options.apiKey ?? this.env.HOOKLINE_API_KEY;
    if (given !== undefined && given !== '') return given;
    if (this.options.stack !== undefined) {
      const { readSecret } = await import('./aws.js');
      return readSecret(await this.output('BootstrapAdminKeySecretArn'), this.region);
    }
    const file = join(localDataDir(this.env), 'admin-key');
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      throw new CliError(
        `no API key: pass --api-key or set HOOKLINE_API_KEY (local mode writes its key to ${file} when started here with npm start; --stack reads a deployed stack's)`,
      );
    }
  }

  private async output(name: string): Promise<string> {
    const stack = this.options.stack as string;
    this.outputs ??= import('./aws.js').then((aws) => aws.stackOutputs(stack, this.region));
    const value = (await this.outputs)[name];
    if (value === undefined) {
      throw new CliError(`stack ${stack} has no output ${name}: is it a Hookline stack?`);
    }
    return value;
  }
}

function checkedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return url.replace(/\/+$/, '');
  } catch {
    // Reported below, with the value the user gave.
  }
  throw new UsageError(`the API URL ${url} is not an http(s) URL`);
}
