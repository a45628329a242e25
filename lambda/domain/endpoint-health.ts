/**
 * Circuit breaker and rate-limit arithmetic for one endpoint. The state itself is shared by
 * every dispatcher through DynamoDB; this module only decides.
 */

export interface CircuitState {
  readonly consecutiveFailures: number;
  /** Epoch ms until which the circuit is open; absent when closed. */
  readonly openUntil?: number;
  /** Times the circuit opened in this failure streak; lengthens each cool-down. */
  readonly opens?: number;
  /** Epoch ms of the first failure of the current streak. */
  readonly failingSince?: number;
}

export interface CircuitSettings {
  readonly threshold: number;
  readonly cooldownMs: number;
}

/** Cool-downs double with each re-opening, up to this. */
export const MAX_COOLDOWN_MS = 16 * 60_000;

export type Gate =
  | { readonly allow: true; readonly probe: boolean }
  | { readonly allow: false; readonly waitMs: number };

/** Whether a delivery may go out now: closed circuits allow, open ones wait, cooled ones probe. */
export function circuitGate(state: CircuitState | undefined, now: number): Gate {
  if (state?.openUntil === undefined) return { allow: true, probe: false };
  if (now < state.openUntil) return { allow: false, waitMs: state.openUntil - now };
  return { allow: true, probe: true };
}

/** True when this failure should (re)open the circuit. */
export function shouldOpen(state: CircuitState, settings: CircuitSettings, now: number): boolean {
  if (state.consecutiveFailures < settings.threshold) return false;
  return state.openUntil === undefined || state.openUntil <= now;
}

export function cooldownMs(opens: number, settings: CircuitSettings): number {
  return Math.min(MAX_COOLDOWN_MS, settings.cooldownMs * 2 ** Math.max(0, opens));
}

export const hasFailures = (state: CircuitState | undefined): boolean =>
  state !== undefined && (state.consecutiveFailures > 0 || state.openUntil !== undefined);
