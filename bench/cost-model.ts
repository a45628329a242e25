/** Turns a metered run into $ per million delivered events, line by line. */
import type { MeterSnapshot, Row } from './aws-meter';
import prices from './prices.json' with { type: 'json' };
import { round } from './stats';

export interface CostLine {
  readonly service: string;
  readonly what: string;
  /** Billable units per delivered event (WRU, RRU, requests, invocations, GB-s, bytes). */
  readonly perDelivery: number;
  readonly unit: string;
  readonly usdPerMillion: number;
}

export interface PhaseFigures {
  readonly name: string;
  readonly events: number;
  readonly delivered: number;
  readonly apiRequests: number;
  readonly meter: MeterSnapshot;
  readonly output: { bytes: number; emfBytes: number };
  readonly wallMs: number;
}

const MILLION = 1_000_000;

function rowPrice(row: Row): number {
  if (row.service === 'dynamodb')
    return row.unit === 'WRU'
      ? prices.dynamodb.writeRequestUnitPerMillion / MILLION
      : prices.dynamodb.readRequestUnitPerMillion / MILLION;
  if (row.service === 'sqs') return prices.sqs.requestPerMillion / MILLION;
  return prices.eventBridge.customEventPerMillion / MILLION;
}

export function costOf(phase: PhaseFigures) {
  const per = (value: number) => value / phase.delivered;
  const lines: CostLine[] = [];
  // Empty receives depend on wall time, not on deliveries: shown apart, not in the total.
  const idle = phase.meter.rows.filter((r) => r.operation === 'ReceiveMessage (empty)');
  for (const row of phase.meter.rows.filter((r) => !idle.includes(r))) {
    lines.push({
      service: row.service,
      what: `${row.operation} ${row.target}${row.caller === 'event-source-mapping' ? ' (ESM)' : row.caller === 'producer' ? ' (producer)' : ''}`,
      perDelivery: per(row.units),
      unit: row.unit,
      usdPerMillion: per(row.units) * rowPrice(row) * MILLION,
    });
  }
  const functions = phase.meter.functions;
  let gbSeconds = 0;
  // EventBridge delivers a matched entry to a Lambda target at no charge of its own: the line
  // shows that the path was counted, the invocation is Lambda's (below).
  for (const [name, figures] of Object.entries(functions).filter(([n]) =>
    n.includes('EventBridge'),
  ))
    lines.push({
      service: 'eventbridge',
      what: `rule → Lambda target deliveries (${name})`,
      perDelivery: per(figures.invocations),
      unit: 'deliveries',
      usdPerMillion: per(figures.invocations) * prices.eventBridge.ruleToLambdaTargetPerMillion,
    });
  for (const [name, figures] of Object.entries(functions)) {
    lines.push({
      service: 'lambda',
      what: `${name} invocations (${round(figures.records / Math.max(1, figures.invocations), 1)} records each)`,
      perDelivery: per(figures.invocations),
      unit: 'invocations',
      usdPerMillion: per(figures.invocations) * prices.lambda.requestPerMillion,
    });
    // Measured durations stand for the invocations whose end was seen.
    const measured = figures.durationsMs.length;
    const meanMs = measured
      ? figures.durationsMs.reduce((s, ms) => s + Math.ceil(ms), 0) / measured
      : 0;
    gbSeconds += (figures.invocations * meanMs * prices.lambda.memoryMb) / 1024 / 1000;
  }
  lines.push({
    service: 'apigateway',
    what: 'HTTP API requests',
    perDelivery: per(phase.apiRequests),
    unit: 'requests',
    usdPerMillion: per(phase.apiRequests) * prices.apiGateway.httpApiRequestPerMillion,
  });
  const requestsTotal = lines.reduce((s, l) => s + l.usdPerMillion, 0);
  const dispatcher = functions.dispatcher;
  /** Measured dispatcher handler time over the records of the measured invocations. */
  const dispatcherMsPerDelivery =
    dispatcher && dispatcher.measuredRecords > 0
      ? round(dispatcher.durationsMs.reduce((s, ms) => s + ms, 0) / dispatcher.measuredRecords, 3)
      : undefined;
  const duration: CostLine = {
    service: 'lambda',
    what: `duration, ${prices.lambda.memoryMb} MB arm64, from measured local handler times`,
    perDelivery: per(gbSeconds),
    unit: 'GB-s',
    usdPerMillion: per(gbSeconds) * prices.lambda.arm64GbSecond * MILLION,
  };
  const invocations = Object.values(functions).reduce((s, f) => s + f.invocations, 0);
  const logBytes =
    phase.output.bytes + invocations * prices.cloudWatchLogs.lambdaPlatformBytesPerInvocation;
  const logs: CostLine = {
    service: 'cloudwatch-logs',
    what: 'EMF metrics and logs ingested (+ platform lines, estimated)',
    perDelivery: per(logBytes),
    unit: 'bytes',
    usdPerMillion: (per(logBytes) * MILLION * prices.cloudWatchLogs.ingestionPerGb) / 1024 ** 3,
  };
  const byService: Record<string, number> = {};
  for (const line of [...lines, duration]) {
    byService[line.service] = round((byService[line.service] ?? 0) + line.usdPerMillion, 4);
  }
  return {
    lines: lines.map((l) => ({
      ...l,
      perDelivery: round(l.perDelivery, 4),
      usdPerMillion: round(l.usdPerMillion, 4),
    })),
    duration: {
      ...duration,
      perDelivery: round(duration.perDelivery, 6),
      usdPerMillion: round(duration.usdPerMillion, 4),
    },
    logs: {
      ...logs,
      perDelivery: round(logs.perDelivery, 1),
      usdPerMillion: round(logs.usdPerMillion, 4),
    },
    byService,
    idleReceives: idle.reduce((s, r) => s + r.calls, 0),
    usdPerMillionRequestsOnly: round(requestsTotal, 4),
    usdPerMillion: round(requestsTotal + duration.usdPerMillion, 4),
    usdPerMillionWithLogs: round(requestsTotal + duration.usdPerMillion + logs.usdPerMillion, 4),
    dispatcherMsPerDelivery,
    target: costTarget(phase.name),
  };
}

/** The DESIGN §7 target of a phase, in $ per million deliveries; undefined: report only. */
export function costTarget(phase: string): number | undefined {
  return (prices.targets.usdPerMillionDeliveries as Record<string, number>)[phase];
}

export { prices };
