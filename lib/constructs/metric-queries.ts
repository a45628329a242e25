// Metrics Insights queries over Hookline's metrics, for the alarms and the dashboard.
import { metricNames } from '#shared/metrics';

/** Aggregations Metrics Insights offers (no percentiles). */
export type InsightsStat = 'AVG' | 'SUM' | 'MIN' | 'MAX' | 'COUNT';

/** Most time series one Metrics Insights query returns, and contributors one alarm tracks. */
export const MAX_ALARM_CONTRIBUTORS = 500;

/**
 * The queries of one stack. Each reads only the stack's own namespace: Metrics Insights
 * matches `SCHEMA("<namespace>", …)` exactly, so another stack's endpoints in the same account
 * and region are no contributors of these alarms.
 */
export class MetricQueries {
  /** Per-endpoint metrics carry exactly these dimensions: {EndpointId, service}. */
  private readonly endpointSchema: string;
  private readonly eventTypeSchema: string;

  constructor(readonly namespace: string) {
    this.endpointSchema = `SCHEMA("${namespace}", ${metricNames.endpointDimension}, service)`;
    this.eventTypeSchema = `SCHEMA("${namespace}", ${metricNames.eventTypeDimension}, service)`;
  }

  /** A per-endpoint metric aggregated over every endpoint into one series. */
  overall(stat: InsightsStat, metric: string): string {
    return `SELECT ${stat}(${metric}) FROM ${this.endpointSchema}`;
  }

  /** One series per endpoint, the `limit` highest first. */
  perEndpoint(stat: InsightsStat, metric: string, limit: number): string {
    return `SELECT ${stat}(${metric}) FROM ${this.endpointSchema} GROUP BY ${metricNames.endpointDimension} ORDER BY ${stat}() DESC LIMIT ${limit}`;
  }

  /** One series per event type, the `limit` busiest first. */
  perEventType(limit: number): string {
    return `SELECT SUM(${metricNames.eventsPublished}) FROM ${this.eventTypeSchema} GROUP BY ${metricNames.eventTypeDimension} ORDER BY SUM() DESC LIMIT ${limit}`;
  }
}

/** 0.5 → 50: ratios as the percentages alarm texts and graphs show. */
export const percent = (ratio: number): number => Math.round(ratio * 1000) / 10;
