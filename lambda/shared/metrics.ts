/**
 * Metrics Hookline writes in Embedded Metric Format, and that its alarms and dashboard read.
 * Powertools adds the `service` dimension to every metric, so per-endpoint metrics carry
 * {service, EndpointId}.
 */

/**
 * The variable that names a function's metrics namespace. A stack sets it to its own name, so
 * two stacks in one account and region (staging and prod) never mix their metrics, and each
 * stack's alarms and dashboard see only its own endpoints.
 */
export const METRICS_NAMESPACE_ENV = 'POWERTOOLS_METRICS_NAMESPACE';

/** The namespace when none is set: local mode's, and the unstaged stack `Hookline`'s. */
export const DEFAULT_METRICS_NAMESPACE = 'Hookline';

export const metricNames = {
  service: 'hookline',
  endpointDimension: 'EndpointId',
  eventTypeDimension: 'EventType',
  /** Per endpoint, one value per attempt. */
  attempts: 'Attempts',
  successes: 'Successes',
  /** 1 for a failed attempt, 0 for a successful one: its average is the failure ratio. */
  failures: 'Failures',
  /** Milliseconds per attempt; also written with the service dimension only, for percentiles. */
  latency: 'Latency',
  deadLettered: 'DeadLettered',
  /** Per event type, without the endpoint dimension. */
  eventsPublished: 'EventsPublished',
} as const;
