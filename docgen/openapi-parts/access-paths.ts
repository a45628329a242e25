/**
 * Who calls: `GET /v1/me`, and the operator's credentials: API keys and tenant portal
 * sessions (lambda/handlers/keys.ts).
 */
import { AUTHORIZER_CACHE_SECONDS } from '#shared/api';
import { MAX_PORTAL_TTL_SECONDS } from '../../lambda/http/routes/portal-sessions';
import { parameterRef } from './components';
import type { JsonSchema } from './json-schema';
import { answer, created, NO_CONTENT, OPERATORS, operation } from './operations';

export function accessPaths(): Record<string, Record<string, JsonSchema>> {
  return {
    '/v1/me': {
      get: operation({
        id: 'describeCaller',
        tag: 'access',
        summary: 'What the presented credential is',
        description:
          'Its scope, the tenant it is confined to and, for a portal session, when it ends. The console signs in with it. A `publish` key is refused (403).',
        answers: { '200': answer('The caller.', 'Caller') },
      }),
    },
    '/v1/portal-sessions': {
      post: operation({
        id: 'createPortalSession',
        tag: 'access',
        summary: 'Open a tenant portal session',
        description: `Operator admin keys only (no tenant). Answers a link to the console confined to \`tenant\`, for its people to manage their endpoints; embed it in an iframe from an origin listed in \`consoleFrameAncestors\`. The token rides in the link's fragment, which browsers never send to a server. It is accepted by the management routes only (not publishing, not API keys, not portal sessions), confined to the tenant, until \`expiresAt\` (\`ttlSeconds\`, default 3600, at most ${MAX_PORTAL_TTL_SECONDS}); then 401. A deployment without the console (\`consoleHosting: false\`) answers 409.`,
        body: { schema: 'PortalSessionCreate', example: { tenant: 'acme', ttlSeconds: 3600 } },
        answers: { '201': answer('Created.', 'PortalSession') },
        problems: ['400', '409', '413'],
        security: OPERATORS,
      }),
    },
    '/v1/api-keys': {
      post: operation({
        id: 'createApiKey',
        tag: 'api keys',
        summary: 'Create an API key',
        description: 'Operator admin keys only (no tenant). The key is shown this once.',
        body: { schema: 'ApiKeyCreate', example: { scope: 'publish', tenant: 'acme' } },
        answers: { '201': created('Created.', 'ApiKeyCreated') },
        problems: ['400', '413'],
        security: OPERATORS,
      }),
      get: operation({
        id: 'listApiKeys',
        tag: 'api keys',
        summary: 'List API keys',
        description: 'Operator admin keys only. Never the keys themselves.',
        answers: {
          '200': answer('Every key and live portal session, oldest first.', 'ApiKeyList'),
        },
        security: OPERATORS,
      }),
    },
    '/v1/api-keys/{id}': {
      delete: operation({
        id: 'deleteApiKey',
        tag: 'api keys',
        summary: 'Revoke an API key',
        description: `Operator admin keys only. Caches (API Gateway’s and the functions’) forget the key within ${AUTHORIZER_CACHE_SECONDS / 60} minutes.`,
        parameters: [parameterRef('ApiKeyId')],
        answers: NO_CONTENT,
        problems: ['404'],
        security: OPERATORS,
      }),
    },
  };
}
