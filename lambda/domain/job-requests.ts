import { EVENT_TYPE_PATTERN } from './catalog';
import type { Endpoint } from './endpoint';
import { ENDPOINT_ID_PATTERN, EVENT_ID_PATTERN } from './ids';
import type { JobSpec } from './jobs';
import { isValidEventTypeFilter } from './subscriptions';
import { bodyFields } from './validation';

/** `{since, until?, eventTypes?, onlyFailed?}` for one endpoint; `until` defaults to now. */
export function parseReplayRequest(raw: unknown, endpoint: Endpoint, now: number): JobSpec {
  const fields = bodyFields(raw);
  fields.rejectUnknown(['since', 'until', 'eventTypes', 'onlyFailed']);
  const since = fields.instant('since', { required: true });
  const until = fields.instant('until') ?? new Date(now).toISOString();
  const eventTypes = fields.stringArray('eventTypes', {
    maxItems: 100,
    check: isValidEventTypeFilter,
    hint: 'must be an event type like invoice.paid or a prefix like invoice.*',
  });
  const onlyFailed = (raw as Record<string, unknown> | undefined)?.onlyFailed;
  if (onlyFailed !== undefined && typeof onlyFailed !== 'boolean') {
    fields.problems.push({ field: '/onlyFailed', message: 'must be true or false' });
  }
  if (since !== undefined && since >= until) {
    fields.problems.push({ field: '/until', message: 'must be after since' });
  }
  fields.throwIfInvalid('replay request');
  return {
    kind: 'replay',
    endpointId: endpoint.id,
    tenant: endpoint.tenant,
    since: since as string,
    until,
    ...(eventTypes !== undefined && { eventTypes }),
    onlyFailed: onlyFailed === true,
  };
}

/**
 * `{endpointId?, eventType?, ids?}`; an empty filter redrives every dead letter (of `tenant`
 * only, for a tenant-scoped key).
 */
export function parseRedriveRequest(raw: unknown, tenant?: string): JobSpec {
  const fields = bodyFields(raw ?? {});
  fields.rejectUnknown(['endpointId', 'eventType', 'ids']);
  const endpointId = fields.string('endpointId', {
    pattern: ENDPOINT_ID_PATTERN,
    hint: 'must be an endpoint id (ep_…)',
  });
  const eventType = fields.string('eventType', {
    pattern: EVENT_TYPE_PATTERN,
    hint: 'must be an event type like invoice.paid',
  });
  const ids = fields.stringArray('ids', {
    maxItems: 1000,
    check: (id) => EVENT_ID_PATTERN.test(id),
    hint: 'must be an event id',
  });
  if (ids !== undefined && ids.length === 0) {
    fields.problems.push({ field: '/ids', message: 'must name at least one event id' });
  }
  fields.throwIfInvalid('redrive request');
  return {
    kind: 'redrive',
    ...(tenant !== undefined && { tenant }),
    ...(endpointId !== undefined && { endpointId }),
    ...(eventType !== undefined && { eventType }),
    ...(ids !== undefined && { eventIds: ids }),
  };
}
