import { Console } from 'node:console';
import { Metrics, type MetricUnit } from '@aws-lambda-powertools/metrics';
import { DEFAULT_METRICS_NAMESPACE, METRICS_NAMESPACE_ENV, metricNames } from '#shared/metrics';

let namespace: string | undefined;

/**
 * The namespace this function writes to: its stack's, given by the stack in the environment.
 * Read once: an instance's environment does not change, and publishing asks for it per type.
 */
export const metricsNamespace = (): string =>
  (namespace ??= process.env[METRICS_NAMESPACE_ENV] || DEFAULT_METRICS_NAMESPACE);

/** EMF takes at most 100 values of one metric per document. */
const MAX_VALUES_PER_METRIC = 100;

export interface MetricSeries {
  readonly name: string;
  readonly unit: typeof MetricUnit.Count | typeof MetricUnit.Milliseconds;
  /** One value per occurrence, in order; an empty series is left out. */
  readonly values: readonly number[];
}

/** Asks Powertools, once, whether metrics are switched off (its environment settings). */
class MetricsSwitch extends Metrics {
  get off(): boolean {
    return this.isDisabled();
  }
}

let output:
  | { readonly namespace: string; readonly disabled: boolean; readonly console: Console }
  | undefined;
const emfOutput = () => {
  output ??= {
    namespace: metricsNamespace(),
    disabled: new MetricsSwitch({
      namespace: metricsNamespace(),
      serviceName: metricNames.service,
    }).off,
    console: new Console({ stdout: process.stdout, stderr: process.stderr, colorMode: false }),
  };
  return output;
};

/**
 * Writes EMF documents of the shape Powertools' `Metrics` writes for Hookline (its namespace,
 * the `service` dimension first, a lone value as a number, several as an array), one per 100
 * values. The dispatcher writes a batch's figures at once, so it builds the document itself:
 * through `Metrics.addMetric` each value read the environment and cost more CPU than the
 * rest of its delivery's bookkeeping.
 */
export function writeEmf(
  dimensions: Readonly<Record<string, string>>,
  series: readonly MetricSeries[],
): void {
  const { namespace, disabled, console } = emfOutput();
  if (disabled) return;
  const present = series.filter((s) => s.values.length > 0);
  const longest = Math.max(0, ...present.map((s) => s.values.length));
  for (let start = 0; start < longest; start += MAX_VALUES_PER_METRIC) {
    const part =
      longest <= MAX_VALUES_PER_METRIC
        ? present
        : present
            .map((s) => ({ ...s, values: s.values.slice(start, start + MAX_VALUES_PER_METRIC) }))
            .filter((s) => s.values.length > 0);
    const document: Record<string, unknown> = {
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: namespace,
            Dimensions: [['service', ...Object.keys(dimensions)]],
            Metrics: part.map((s) => ({ Name: s.name, Unit: s.unit })),
          },
        ],
      },
      service: metricNames.service,
      ...dimensions,
    };
    for (const s of part) document[s.name] = s.values.length === 1 ? s.values[0] : s.values;
    console.log(JSON.stringify(document));
  }
}
