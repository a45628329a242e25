/** Whether a credential that ends at `expiresAt` (epoch seconds) has ended at `nowMs`. */
export const hasExpired = (expiresAt: number | undefined, nowMs: number): boolean =>
  expiresAt !== undefined && expiresAt * 1000 <= nowMs;
