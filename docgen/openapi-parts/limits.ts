/**
 * Limits the parsers write inline (lambda/domain/endpoint.ts, job-requests.ts, the routes):
 * named once here for the document; test/docs/openapi-limits.test.ts and the conformance test
 * try each at its edge against the code.
 */
export const LIMITS = {
  endpointUrlLength: 2048,
  endpointDescriptionLength: 500,
  endpointEventTypes: 100,
  rateLimitPerSecond: { min: 1, max: 10_000 },
  retryScheduleDelays: 20,
  endpointMaxAttempts: { min: 1, max: 50 },
  replayEventTypes: 100,
  redriveIds: 1000,
  apiKeyDescriptionLength: 256,
  graceSeconds: { min: 0, max: 7 * 86_400 },
  batchEvents: 100,
} as const;
