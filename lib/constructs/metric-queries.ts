// Metrics Insights queries over Hookline's metrics, for the alarms and the dashboard.
import { metricNames } from '#shared/metrics';

/** Aggregations Metrics Insights offers (no percentiles). */
export type InsightsStat = 'AVG' | 'SUM' | 'MIN' | 'MAX' | 'COUNT';

/** Per-endpoint metrics carry exactly these dimensions: {EndpointId, service}. */
const ENDPOINT_SCHEMA = `SCHEMA("${metricNames.namespace}", ${metricNames.endpointDimension}, service)`;
const EVENT_TYPE_SCHEMA = `SCHEMA("${metricNames.namespace}", ${metricNames.eventTypeDimension}, service)`;

/** Most time series one Metrics Insights query returns, and contributors one alarm tracks. */
export const MAX_ALARM_CONTRIBUTORS = 500;

/** A per-endpoint metric aggregated over every endpoint into one series. */
export const overallQuery = (stat: InsightsStat, metric: string): string =>
  `SELECT ${stat}(${metric}) FROM ${ENDPOINT_SCHEMA}`;

/** One series per endpoint, the `limit` highest first. */
export const perEndpointQuery = (stat: InsightsStat, metric: string, limit: number): string =>
  `SELECT ${stat}(${metric}) FROM ${ENDPOINT_SCHEMA} GROUP BY ${metricNames.endpointDimension} ORDER BY ${stat}() DESC LIMIT ${limit}`;

/** One series per event type, the `limit` busiest first. */
export const perEventTypeQuery = (limit: number): string =>
  `SELECT SUM(${metricNames.eventsPublished}) FROM ${EVENT_TYPE_SCHEMA} GROUP BY ${metricNames.eventTypeDimension} ORDER BY SUM() DESC LIMIT ${limit}`;

/** 0.5 → 50: ratios as the percentages alarm texts and graphs show. */
export const percent = (ratio: number): number => Math.round(ratio * 1000) / 10;
