import { catalog, exampleOf } from '../../domain/catalog';
import { BadRequestError, ConflictError, UnprocessableError } from '../../domain/errors';
import { parseEventInput } from '../../domain/event';
import { publishToEndpoint } from '../../domain/publish';
import { rotateSecret, secretView } from '../../domain/secrets';
import { generateSecret } from '../../domain/signing';
import { matchesEventType } from '../../domain/subscriptions';
import { FieldReader, isPlainObject } from '../../domain/validation';
import { readJsonBody } from '../middlewares';
import { type HttpResult, json } from '../response';
import type { ManagementDependencies } from './dependencies';
import { findEndpoint, type RouteEvent } from './shared';

function optionalBody(event: RouteEvent): Record<string, unknown> {
  if (!event.body) return {};
  const body = readJsonBody(event, 4096);
  if (!isPlainObject(body)) {
    throw new BadRequestError('send a JSON object', [{ field: '/', message: 'must be an object' }]);
  }
  return body;
}

export async function getSecret(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  return json(200, secretView(await findEndpoint(deps, event), deps.now()));
}

/** `{graceSeconds?}`: the old secret keeps signing that long (default 24 h; 0 ends it now). */
export async function rotate(deps: ManagementDependencies, event: RouteEvent): Promise<HttpResult> {
  const endpoint = await findEndpoint(deps, event);
  const fields = new FieldReader(optionalBody(event), '/');
  fields.rejectUnknown(['graceSeconds']);
  const graceSeconds =
    fields.integer('graceSeconds', { min: 0, max: 7 * 86_400 }) ??
    deps.settings.secretRotationGraceHours * 3600;
  fields.throwIfInvalid('rotation request');
  const now = deps.now();
  const rotated = rotateSecret(endpoint, generateSecret(), now, graceSeconds * 1000);
  if (!(await deps.endpoints.replace(rotated, endpoint.updatedAt))) {
    throw new ConflictError('the endpoint changed meanwhile; retry the rotation');
  }
  return json(200, secretView(rotated, now));
}

/** `{eventType?}`: sends that type's catalog example to this endpoint only, signed. */
export async function sendTest(
  deps: ManagementDependencies,
  event: RouteEvent,
): Promise<HttpResult> {
  const endpoint = await findEndpoint(deps, event);
  const fields = new FieldReader(optionalBody(event), '/');
  fields.rejectUnknown(['eventType']);
  const requested = fields.string('eventType', { maxLength: 128 });
  fields.throwIfInvalid('test request');
  if (requested !== undefined && !catalog().some((entry) => entry.type === requested)) {
    throw new UnprocessableError(`unknown event type ${requested}`, [
      { field: '/eventType', message: 'is not in the catalog (see GET /v1/event-types)' },
    ]);
  }
  const type =
    requested ??
    catalog()
      .map((entry) => entry.type)
      .find((t) => matchesEventType(endpoint.eventTypes, t));
  if (type === undefined) {
    throw new BadRequestError('name the event type to send', [
      { field: '/eventType', message: 'is required for this endpoint' },
    ]);
  }
  const input = parseEventInput({ type, data: exampleOf(type) });
  const result = await publishToEndpoint(deps.publish, input, endpoint);
  return json(202, { id: result.id, type: result.type, timestamp: result.timestamp });
}
