import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type ApiKeyScope,
  DynamoApiKeyRepository,
  generateApiKey,
} from '../lambda/adapters/dynamo/api-key-store';

/**
 * Operator commands. `keys create` makes an API key and stores only its hash in the API keys
 * table (the stack output ApiKeysTableName); the key is printed once and never again.
 */
const usage = `usage: npm run hookline -- keys create --table <ApiKeysTableName> [--scope admin|publish] [--description text]`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    table: { type: 'string' },
    scope: { type: 'string', default: 'publish' },
    description: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help || positionals.join(' ') !== 'keys create') {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}
if (!values.table) {
  console.error(`--table is required\n${usage}`);
  process.exit(2);
}
if (values.scope !== 'admin' && values.scope !== 'publish') {
  console.error(`--scope must be admin or publish\n${usage}`);
  process.exit(2);
}

const scope = values.scope as ApiKeyScope;
const repository = new DynamoApiKeyRepository(
  DynamoDBDocumentClient.from(new DynamoDBClient({})),
  values.table,
);
const key = generateApiKey(scope);
const record = await repository.store(key, scope, values.description);
console.log(`Created a ${scope} key (${record.prefix}…). It is shown this once:\n\n${key}\n`);
