import { type Command, Option } from 'commander';
import { type Context, contextOf, examples } from '../context.js';
import { CliError } from '../errors.js';
import type { KeysTable, KeyView, Scope } from '../keys-table.js';
import { formatTime } from '../output.js';

interface CreateOptions {
  readonly scope: Scope;
  readonly tenant?: string;
  readonly description?: string;
  readonly table?: string;
}

const KEY_ID = /^key_[A-Za-z0-9_-]{22}$/;

/** `--table` works on the keys table itself, with AWS credentials instead of an admin key. */
async function withTable<T>(name: string, work: (table: KeysTable) => Promise<T>): Promise<T> {
  const { KeysTable } = await import('../keys-table.js');
  const table = new KeysTable(name);
  try {
    return await work(table);
  } finally {
    table.close();
  }
}

async function create(context: Context, options: CreateOptions): Promise<void> {
  const fields = {
    ...(options.tenant !== undefined && { tenant: options.tenant }),
    ...(options.description !== undefined && { description: options.description }),
  };
  const created =
    options.table === undefined
      ? await (await context.api()).post<KeyView & { key: string }>('/v1/api-keys', {
          scope: options.scope,
          ...fields,
        })
      : await withTable(options.table, (table) => table.create(options.scope, fields));
  const { out } = context;
  out.data(created);
  const confined = created.tenant === undefined ? 'operator' : `tenant ${created.tenant}`;
  out.line(
    `Created a ${created.scope} key for ${confined} (${created.id}, ${created.prefix}…). It is shown this once:`,
  );
  out.line();
  out.line(created.key);
  out.line();
}

async function list(context: Context, options: { table?: string }): Promise<void> {
  const keys =
    options.table === undefined
      ? (await (await context.api()).get<{ data: KeyView[] }>('/v1/api-keys')).data
      : await withTable(options.table, (table) => table.list());
  const { out } = context;
  out.data(keys);
  out.table(
    ['ID', 'PREFIX', 'SCOPE', 'TENANT', 'CREATED', 'DESCRIPTION'],
    keys.map((k) => [
      k.id,
      `${k.prefix}…`,
      k.scope,
      k.tenant ?? '(operator)',
      formatTime(k.createdAt),
      k.description,
    ]),
  );
}

async function revoke(context: Context, name: string, options: { table?: string }) {
  let revoked: KeyView;
  if (options.table !== undefined) {
    revoked = await withTable(options.table, (table) => table.revoke(name));
  } else {
    const api = await context.api();
    const keys = (await api.get<{ data: KeyView[] }>('/v1/api-keys')).data;
    // A prefix is what people see in lists and logs; the API revokes by id.
    const matches = KEY_ID.test(name)
      ? keys.filter((k) => k.id === name)
      : keys.filter((k) => k.prefix.startsWith(name) || name.startsWith(k.prefix));
    if (matches.length !== 1) {
      throw new CliError(
        matches.length === 0
          ? `no API key is ${name} or starts with it (see hookline keys list)`
          : `${matches.length} API keys start with ${name}; give more of it, or the key id`,
      );
    }
    revoked = matches[0] as KeyView;
    await api.delete(`/v1/api-keys/${encodeURIComponent(revoked.id)}`);
  }
  context.out.data(revoked);
  context.out.line(
    `Revoked ${revoked.scope} key ${revoked.id} (${revoked.prefix}…); caches forget it within 5 minutes.`,
  );
}

const tableOption = () =>
  new Option(
    '--table <name>',
    'work on the keys table directly (stack output ApiKeysTableName) with AWS credentials, no admin key needed',
  );

export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .summary('create, list and revoke API keys')
    .description(
      'API keys: admin keys manage everything, publish keys only publish; a key with a tenant is confined to it. Keys are stored hashed and shown once.',
    );
  examples(keys, ['hookline keys create --scope publish --tenant acme', 'hookline keys list']);

  const createCommand = keys
    .command('create')
    .description('Create a key; prints it this once.')
    .addOption(
      new Option('--scope <scope>', 'what it may do')
        .choices(['admin', 'publish'])
        .default('publish'),
    )
    .option('--tenant <tenant>', 'confine it to this tenant')
    .option('--description <text>', 'what it is for')
    .addOption(tableOption())
    .action((options: CreateOptions, cmd: Command) => create(contextOf(cmd), options));
  examples(createCommand, [
    'hookline keys create --scope publish --tenant acme --description billing',
    'hookline keys create --scope admin --table <ApiKeysTableName>   # first key, with AWS credentials',
  ]);

  const listCommand = keys
    .command('list')
    .description('List keys: id, prefix, scope, tenant (never the key).')
    .addOption(tableOption())
    .action((options: { table?: string }, cmd: Command) => list(contextOf(cmd), options));
  examples(listCommand, ['hookline keys list', 'hookline keys list --table <ApiKeysTableName>']);

  const revokeCommand = keys
    .command('revoke')
    .description('Revoke a key by its id or prefix.')
    .argument('<key>', 'key id (key_…) or the first characters of the key (hk_publish_Ab12)')
    .addOption(tableOption())
    .action((name: string, options: { table?: string }, cmd: Command) =>
      revoke(contextOf(cmd), name, options),
    );
  examples(revokeCommand, [
    'hookline keys revoke key_Xz…',
    'hookline keys revoke hk_publish_Ab12Cd',
  ]);
}
