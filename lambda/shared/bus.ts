/** The custom bus producers publish to, and that carries Hookline's operational events. */
export const eventBus = {
  defaultName: 'hookline',
  envVar: 'EVENT_BUS_NAME',
  /** Detail types Hookline emits itself start with this and are never ingested again. */
  operationalPrefix: 'hookline.',
} as const;

/**
 * A bus of Hookline's own for its operational events: only Hookline's roles may put events on
 * it, so a `hookline.*` event on it can be trusted (anyone allowed on the producers' bus could
 * forge one there).
 */
export const operationsBus = {
  defaultName: 'hookline-operations',
  envVar: 'OPERATIONS_BUS_NAME',
} as const;

/** Detail types of the operational events Hookline puts on its bus (source `hookline`). */
export const operationalEvents = {
  source: 'hookline',
  deadLettered: 'hookline.delivery.dead_lettered',
  endpointDisabled: 'hookline.endpoint.disabled',
  endpointRecovered: 'hookline.endpoint.recovered',
} as const;

export type OperationalDetailType = Exclude<
  (typeof operationalEvents)[keyof typeof operationalEvents],
  typeof operationalEvents.source
>;

/** EventBridge rule pattern that routes producer entries on the bus to the ingest function. */
export const ingestRulePattern = {
  'detail-type': [{ 'anything-but': { prefix: eventBus.operationalPrefix } }],
} as const;
