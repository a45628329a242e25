/**
 * Circuit breaker arithmetic for one endpoint. The state itself is shared by every dispatcher
 * through DynamoDB; this module only decides.
 *
 * The circuit counts attempts in one-minute windows. It opens on a sustained failure rate
 * (at least `threshold` failures and `failureRatePercent` of the window's attempts) or on
 * `threshold` timeouts whatever the rate: they cost the dispatcher the most. After a cool-down it is half-open: a few probes
 * go through, and the first that succeeds closes it. Cool-downs are capped by the endpoint's
 * shortest retry delay, so the circuit never holds a delivery longer than its own retry
 * schedule would have.
 */

export interface CircuitState {
  /** Epoch ms until which the circuit is open; half-open once past, absent when closed. */
  readonly openUntil?: number;
  /** Times the circuit opened in this failure streak; lengthens each cool-down. */
  readonly opens?: number;
  /** Epoch ms of the first failure since the last success. */
  readonly failingSince?: number;
  /** Epoch ms the current counting window began. */
  readonly windowStart?: number;
  readonly windowFailures?: number;
  readonly windowSuccesses?: number;
  readonly windowTimeouts?: number;
  /** Epoch ms until which the endpoint's deliveries go to the slow lane. */
  readonly slowUntil?: number;
}

export interface CircuitSettings {
  /** Failures in a window below which the failure rate is not looked at. */
  readonly threshold: number;
  readonly failureRatePercent: number;
  readonly cooldownMs: number;
  /** The longest cool-down: the endpoint's shortest retry delay. */
  readonly maxCooldownMs: number;
}

/** Attempts are counted per window of this length. */
export const CIRCUIT_WINDOW_MS = 60_000;
/** Deliveries a half-open circuit lets through at once. */
export const HALF_OPEN_PROBES = 3;
/** Cool-downs double with each re-opening, up to this (or the endpoint's shortest delay). */
export const MAX_COOLDOWN_MS = 16 * 60_000;
/** How long an endpoint stays in the slow lane after an attempt overran the main lane's budget. */
export const SLOW_LANE_HOLD_MS = 5 * 60_000;

export type Gate =
  | { readonly allow: true; readonly probe: boolean }
  | { readonly allow: false; readonly waitMs: number };

/** Whether a delivery may go out now: closed circuits allow, open ones wait, cooled ones probe. */
export function circuitGate(state: CircuitState | undefined, now: number): Gate {
  if (state?.openUntil === undefined) return { allow: true, probe: false };
  if (now < state.openUntil) return { allow: false, waitMs: state.openUntil - now };
  return { allow: true, probe: true };
}

/** A circuit as the API shows it: closed, open until a time, or half-open (probing). */
export type CircuitView =
  | { readonly state: 'closed' }
  | { readonly state: 'open'; readonly openUntil: string }
  | { readonly state: 'half-open' };

export function circuitView(state: CircuitState | undefined, now: number): CircuitView {
  if (state?.openUntil === undefined) return { state: 'closed' };
  if (now < state.openUntil) {
    return { state: 'open', openUntil: new Date(state.openUntil).toISOString() };
  }
  return { state: 'half-open' };
}

/** Whether the window that began at `windowStart` still counts at `now`. */
export const windowCurrent = (state: CircuitState | undefined, now: number): boolean =>
  state?.windowStart !== undefined && now - state.windowStart < CIRCUIT_WINDOW_MS;

/** The state after one more attempt is counted in the current (or a fresh) window. */
export function countAttempt(
  state: CircuitState | undefined,
  now: number,
  outcome: 'success' | 'failure' | 'timeout',
): CircuitState {
  const current = windowCurrent(state, now);
  const failed = outcome !== 'success';
  return {
    ...state,
    windowStart: current ? (state?.windowStart as number) : now,
    windowFailures: (current ? (state?.windowFailures ?? 0) : 0) + (failed ? 1 : 0),
    windowSuccesses: (current ? (state?.windowSuccesses ?? 0) : 0) + (failed ? 0 : 1),
    windowTimeouts: (current ? (state?.windowTimeouts ?? 0) : 0) + (outcome === 'timeout' ? 1 : 0),
  };
}

/**
 * True when a failure just counted into `state` should (re)open the circuit: a failed probe
 * of a half-open circuit, a sustained failure rate, or repeated timeouts.
 */
export function shouldOpen(state: CircuitState, settings: CircuitSettings, now: number): boolean {
  if (state.openUntil !== undefined) return state.openUntil <= now;
  const failures = state.windowFailures ?? 0;
  const attempts = failures + (state.windowSuccesses ?? 0);
  // Timeouts cost the dispatcher the most: enough of them open it whatever the rate.
  if ((state.windowTimeouts ?? 0) >= settings.threshold) return true;
  return failures >= settings.threshold && failures * 100 >= settings.failureRatePercent * attempts;
}

export function cooldownMs(opens: number, settings: CircuitSettings): number {
  const doubled = settings.cooldownMs * 2 ** Math.max(0, opens);
  return Math.max(1000, Math.min(MAX_COOLDOWN_MS, settings.maxCooldownMs, doubled));
}

/** Whether a success must be written: the circuit or the current window remembers failures. */
export const hasFailures = (state: CircuitState | undefined, now: number): boolean =>
  state !== undefined &&
  (state.openUntil !== undefined ||
    state.failingSince !== undefined ||
    (windowCurrent(state, now) && (state.windowFailures ?? 0) > 0));

/** Whether the endpoint's deliveries currently belong in the slow lane. */
export const inSlowLane = (state: CircuitState | undefined, now: number): boolean =>
  state?.slowUntil !== undefined && state.slowUntil > now;
