/**
 * Importing a handler module has no side effects: it reads none of Hookline's environment and
 * builds nothing, so tests, the bench and local mode can import the factories freely. Invoked
 * without its environment, a handler fails loudly and names what is missing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventBus, operationsBus } from '#shared/bus';
import { functionEnv } from '#shared/functions';
import { queues } from '#shared/queues';
import { settingEnvName, settingSpecs } from '#shared/settings';
import { tables } from '#shared/tables';
import { localContext } from '../../lib/local/lambda-context';
import { anApiRequest, anSqsEvent, anSqsRecord } from '../support/lambda-events';

const HANDLERS = ['authorizer', 'dispatcher', 'ingest', 'keys', 'management', 'replay'] as const;

/** Every variable the CDK stack sets for the functions. */
const HOOKLINE_VARIABLES = new Set<string>([
  ...Object.values(tables).map((table) => table.envVar),
  ...Object.values(queues).flatMap((queue) => ('envVar' in queue ? [queue.envVar] : [])),
  ...Object.keys(settingSpecs).map(settingEnvName),
  ...Object.values(functionEnv),
  eventBus.envVar,
  operationsBus.envVar,
]);

/** Records which environment variables are read while `work` runs. */
async function variablesRead(work: () => Promise<unknown>): Promise<Set<string>> {
  const read = new Set<string>();
  const real = process.env;
  process.env = new Proxy(real, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key);
    },
  });
  try {
    await work();
  } finally {
    process.env = real;
  }
  return read;
}

const load = (name: (typeof HANDLERS)[number]) => import(`../../lambda/handlers/${name}.ts`);

afterEach(() => {
  vi.resetModules();
});

describe('handler modules', () => {
  it.each(HANDLERS)('%s imports without reading any of its environment', async (name) => {
    // Prepare
    for (const variable of HOOKLINE_VARIABLES) expect(process.env[variable]).toBeUndefined();

    // Act
    let module: { handler?: unknown } = {};
    const read = await variablesRead(async () => {
      module = await load(name);
    });

    // Assess
    expect(typeof module.handler).toBe('function');
    expect([...read].filter((variable) => HOOKLINE_VARIABLES.has(variable))).toEqual([]);
  });

  it.each([
    ['authorizer', { headers: { authorization: 'Bearer hk_admin_0123456789' } }],
    ['dispatcher', anSqsEvent([anSqsRecord({})])],
    ['ingest', anApiRequest('POST', '/v1/events', { body: {}, key: 'hk_admin_0123456789' })],
    ['keys', anApiRequest('GET', '/v1/api-keys', { key: 'hk_admin_0123456789' })],
    ['management', anApiRequest('GET', '/v1/endpoints', { key: 'hk_admin_0123456789' })],
    ['replay', anSqsEvent([anSqsRecord({ jobId: 'job_x', page: 0 })])],
  ] as const)(
    '%s, invoked without its environment, names the missing variable',
    async (name, event) => {
      // Prepare
      const { handler } = (await load(name)) as {
        handler: (event: unknown, context: unknown) => Promise<unknown>;
      };

      // Act
      const invoked = handler(event, localContext(name, 10_000));

      // Assess
      await expect(invoked).rejects.toThrow(/environment variable [A-Z_]+ is not set/);
    },
  );
});
