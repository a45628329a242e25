import { EVENT_TYPE_PATTERN } from './catalog';

/** An endpoint filter is an exact event type or a `prefix.*` wildcard. */
const PREFIX_FILTER_PATTERN = /^[a-z0-9_]+(\.[a-z0-9_]+)*\.\*$/;

export function isValidEventTypeFilter(filter: string): boolean {
  return EVENT_TYPE_PATTERN.test(filter) || PREFIX_FILTER_PATTERN.test(filter);
}

/** Omitted or empty filters subscribe to every type. */
export function matchesEventType(filters: readonly string[] | undefined, type: string): boolean {
  if (!filters || filters.length === 0) return true;
  return filters.some((filter) =>
    filter.endsWith('.*') ? type.startsWith(filter.slice(0, -1)) : filter === type,
  );
}
