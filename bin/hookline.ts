import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type ApiKeyScope,
  DynamoApiKeyRepository,
  generateApiKey,
} from '../lambda/adapters/dynamo/api-key-store';
import { TENANT_PATTERN } from '../lambda/domain/event';

/**
 * Operator commands for API keys, against the API keys table (stack output ApiKeysTableName,
 * or hookline-api-keys with AWS_ENDPOINT_URL_DYNAMODB for local mode). Keys are stored as
 * hashes only: a created key is printed once and never again.
 */
const usage = `usage:
  npm run hookline -- keys create --table <ApiKeysTableName> [--scope admin|publish] [--tenant t] [--description text]
  npm run hookline -- keys list   --table <ApiKeysTableName>
  npm run hookline -- keys revoke --table <ApiKeysTableName> <key prefix, e.g. hk_publish_Ab>`;

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    table: { type: 'string' },
    scope: { type: 'string', default: 'publish' },
    description: { type: 'string' },
    tenant: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(usage);
  process.exit(0);
}
const [noun, verb, argument] = positionals;
if (noun !== 'keys' || !['create', 'list', 'revoke'].includes(verb ?? '')) fail('unknown command');
if (!values.table) fail('--table is required');

const repository = new DynamoApiKeyRepository(
  DynamoDBDocumentClient.from(new DynamoDBClient({})),
  values.table,
);

if (verb === 'create') {
  if (values.scope !== 'admin' && values.scope !== 'publish')
    fail('--scope must be admin or publish');
  const scope = values.scope as ApiKeyScope;
  if (values.tenant !== undefined && !TENANT_PATTERN.test(values.tenant)) {
    fail('--tenant must be 1-64 letters, digits, dots, dashes or underscores');
  }
  const key = generateApiKey(scope);
  const record = await repository.store(key, scope, {
    ...(values.tenant !== undefined && { tenant: values.tenant }),
    ...(values.description !== undefined && { description: values.description }),
  });
  const confined = record.tenant === undefined ? 'operator' : `tenant ${record.tenant}`;
  console.log(
    `Created a ${scope} key for ${confined} (${record.prefix}…). It is shown this once:\n\n${key}\n`,
  );
} else if (verb === 'list') {
  for (const record of await repository.list()) {
    console.log(
      `${record.prefix}…  ${record.scope.padEnd(7)}  ${(record.tenant ?? '(operator)').padEnd(16)}  ${record.createdAt}  ${record.description ?? ''}`,
    );
  }
} else {
  if (!argument || argument.length < 4) fail('name the key to revoke by its first characters');
  try {
    const record = await repository.revoke(argument);
    console.log(
      `Revoked ${record.scope} key ${record.prefix}…; caches forget it within 5 minutes.`,
    );
  } catch (error) {
    fail((error as Error).message);
  }
}
