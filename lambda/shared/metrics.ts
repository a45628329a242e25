/**
 * Metrics Hookline writes in Embedded Metric Format, and that its alarms and dashboard read.
 * Powertools adds the `service` dimension to every metric, so per-endpoint metrics carry
 * {service, EndpointId}.
 */
export const metricNames = {
  namespace: 'Hookline',
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
