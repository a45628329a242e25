/**
 * The OpenAPI 3.1 document of the v1 API, generated from the code it describes: routes from
 * the handlers, event types and their `data` schemas from the catalog, limits and patterns
 * from the modules that enforce them, the version from `#shared/functions`. Nothing in it
 * depends on the clock or on chance, so regenerating gives the same bytes.
 */

import { stringify } from 'yaml';
import { HOOKLINE_VERSION } from '#shared/functions';
import { headers, parameters, responses, securitySchemes } from './openapi-parts/components';
import { MANAGERS } from './openapi-parts/operations';
import { paths } from './openapi-parts/paths';
import { componentSchemas } from './openapi-parts/schemas';

export const OPENAPI_PATH = 'docs/openapi.yaml';

const DESCRIPTION = `Publish events, manage the endpoints they are delivered to, and inspect, replay and
redrive deliveries. JSON over HTTPS; errors are RFC 9457 problem details
(\`application/problem+json\`) naming each offending field in \`errors[].field\`, except the
few answers API Gateway gives itself (\`{"message": …}\`): 401 without an \`Authorization\`
header, 403 for an unknown key, 429 when throttled.

Every operation but \`GET /health\` needs \`Authorization: Bearer <key>\`. A key's scope is
the role its operations list (\`publish\` keys may only publish); a key with a tenant is
confined to that tenant: naming another tenant is 403, another tenant's resources are 404.
No client input produces a 5xx.`;

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hookline API',
      version: HOOKLINE_VERSION,
      summary: 'Webhook delivery you deploy into your own AWS account.',
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'A deployment: the `ApiUrl` output of the stack.',
        variables: {
          apiId: { default: 'abc123', description: 'The HTTP API’s id.' },
          region: { default: 'us-east-1' },
        },
      },
      { url: 'http://localhost:3000', description: 'Local mode (`npm start`).' },
    ],
    security: MANAGERS,
    tags: [
      { name: 'health' },
      { name: 'events', description: 'Publishing and the event log.' },
      { name: 'event types', description: 'The event catalog.' },
      { name: 'endpoints', description: 'Where events are delivered, and how that went.' },
      { name: 'dead letters', description: 'Deliveries that ran out of attempts.' },
      { name: 'jobs', description: 'Replays and redrives, run in the background.' },
      { name: 'api keys', description: 'Operator admin keys only.' },
    ],
    paths: paths(),
    components: { schemas: componentSchemas(), parameters, headers, responses, securitySchemes },
  };
}

/**
 * The document as YAML, for `docs/openapi.yaml`. Shared objects are written out each time (no
 * anchors), and written to YAML 1.1's rules, so strings a 1.1 reader would take for dates or
 * booleans (`2026-11-27T00:00:00Z`, `on`) are quoted: they read back as strings everywhere.
 */
export function openApiFile(): { path: string; content: string } {
  const content = stringify(openApiDocument(), {
    version: '1.1',
    lineWidth: 100,
    aliasDuplicateObjects: false,
  });
  return { path: OPENAPI_PATH, content };
}
