import type { Endpoint } from './endpoint';

/**
 * Secrets that sign at once, the current one included: rotating faster than the grace period
 * drops the oldest retired secret rather than signing every delivery with an ever longer list.
 */
export const MAX_LIVE_SECRETS = 5;

/**
 * Rotation keeps the old secret signing next to the new one for a grace period, so a
 * receiver can switch over without a window in which deliveries fail verification.
 */
export function rotateSecret(
  endpoint: Endpoint,
  newSecret: string,
  now: number,
  graceMs: number,
): Endpoint {
  const [current, ...older] = endpoint.secrets;
  const stillLive = older.filter((s) => s.expiresAt !== undefined && s.expiresAt > now);
  const retired =
    current && graceMs > 0 ? [{ secret: current.secret, expiresAt: now + graceMs }] : [];
  return {
    ...endpoint,
    secrets: [{ secret: newSecret }, ...retired, ...stillLive].slice(0, MAX_LIVE_SECRETS),
    updatedAt: new Date(now).toISOString(),
  };
}

/** What GET .../secret shows: the current secret, and when retired ones stop signing. */
export function secretView(endpoint: Endpoint, now: number) {
  const [current, ...older] = endpoint.secrets;
  return {
    secret: current?.secret,
    previousSecretsExpireAt: older
      .filter((s) => s.expiresAt !== undefined && s.expiresAt > now)
      .map((s) => new Date(s.expiresAt as number).toISOString()),
  };
}
