/**
 * The steps of `hookline smoke`, run against one API in a throwaway tenant; the command in
 * commands/smoke.ts prints their rows.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { type ApiClient, unreachable } from './api.js';
import { type Endpoint, endpointPath } from './commands/endpoints.js';
import { busEntry, busTarget } from './commands/publish.js';
import type { Context } from './context.js';
import { ApiError } from './errors.js';
import type { FeedItem, FeedPage } from './forwarder.js';
import { type Job, pollJob } from './jobs.js';
import { signatureProblem } from './signatures.js';
import { ConsoleAbsent, ConsoleCheckFailed, checkConsole } from './smoke-console.js';

export type StepStatus = 'PASS' | 'FAIL' | 'SKIP';

/** One row of the smoke test's table. */
export interface StepReport {
  readonly name: string;
  readonly status: StepStatus;
  readonly seconds: number;
  readonly detail: string;
}

interface CatalogEntry {
  readonly type: string;
  readonly version: number;
  readonly example: unknown;
}

interface DeadLetter {
  readonly eventId: string;
  readonly reason: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
}

/** A step's outcome other than PASS, with the one line that says what was expected and seen. */
class StepFailed extends Error {}
class StepSkipped extends Error {}

/** The attempts the failing endpoint gets: one retry after the shortest delay allowed. */
const FAILING_RETRY_SCHEDULE = ['1s'];
const FAILING_MAX_ATTEMPTS = 2;
/** The source of the smoke test's entries on the bus. */
const BUS_SOURCE = 'hookline.smoke';
const POLL_MS = 500;
export const INTERRUPTED = 'interrupted (Ctrl-C)';
/**
 * How long a dispatcher may still deliver to an endpoint it read before it was deleted: its
 * endpoint cache (5 s deployed, 1 s in local mode), and a margin. Redriving the failing
 * endpoint's dead letters sooner could see them tried, and dead-lettered, once more.
 */
const ENDPOINT_CACHE_GRACE_MS = { local: 1500, deployed: 6000 } as const;

export const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * The run: a throwaway tenant with a polling endpoint (read back and verified) and a push
 * endpoint that can never succeed (dead-lettered with its reason), everything removed after.
 */
export class SmokeRun {
  readonly reports: StepReport[] = [];
  readonly tenant = `smoke-${randomBytes(4).toString('hex')}`;
  readonly abort = new AbortController();
  private api!: ApiClient;
  private eventType: CatalogEntry | undefined;
  private polling: { id: string; secret: string } | undefined;
  private failing: { id: string } | undefined;
  /** Event ids published, with the route each took. */
  private readonly published = new Map<string, 'https' | 'eventbridge'>();
  /** What the failing endpoint got: dead letters, and attempts when they were counted. */
  private deadLettered = 0;
  private failedAttempts = 0;

  constructor(
    private readonly context: Context,
    private readonly timeoutMs: number,
    /** Whether the API is local mode's, whose bus is the API itself and which has no alarms. */
    readonly local: boolean,
  ) {}

  get interrupted(): boolean {
    return this.abort.signal.aborted;
  }

  /** Runs one step and records its row; false when it did not pass. */
  async step(name: string, run: () => Promise<string>): Promise<boolean> {
    const started = performance.now();
    const record = (status: StepStatus, detail: string) => {
      this.reports.push({ name, status, seconds: seconds(performance.now() - started), detail });
      return status === 'PASS';
    };
    if (this.interrupted) return record('SKIP', INTERRUPTED);
    if (process.stderr.isTTY && !this.context.out.json) this.context.out.note(`… ${name}`);
    try {
      return record('PASS', await run());
    } catch (error) {
      if (error instanceof StepSkipped) return record('SKIP', error.message);
      if (this.interrupted) return record('SKIP', INTERRUPTED);
      return record('FAIL', (error as Error).message);
    }
  }

  skip(name: string, detail: string): void {
    this.reports.push({
      name,
      status: 'SKIP',
      seconds: 0,
      detail: this.interrupted ? INTERRUPTED : detail,
    });
  }

  /** `GET /health`, then a call with the key: the catalog, whose first type the run publishes. */
  async reachApi(): Promise<string> {
    this.api = await this.context.api();
    const health = await fetch(`${this.api.baseUrl}/health`, { signal: this.abort.signal }).catch(
      (error: Error) => {
        throw this.interrupted ? error : unreachable(this.api.baseUrl, error);
      },
    );
    const body = (await health.json().catch(() => ({}))) as { status?: string; version?: string };
    if (!health.ok || body.status !== 'ok') {
      throw new StepFailed(`GET /health answered ${health.status}, expected 200 {"status":"ok"}`);
    }
    const { data } = await this.api.get<{ data: CatalogEntry[] }>('/v1/event-types');
    const first = data[0];
    if (first === undefined) throw new StepFailed('GET /v1/event-types lists no event type');
    // The newest version of the first type: what a publish without a version validates against.
    this.eventType = data
      .filter((entry) => entry.type === first.type)
      .reduce((newest, entry) => (entry.version > newest.version ? entry : newest));
    return `health ok (version ${body.version ?? '?'}); key accepted: ${data.length} event types, publishing ${this.eventType.type}`;
  }

  /** A polling endpoint, and a push endpoint whose every attempt fails, both for one type. */
  async createEndpoints(): Promise<string> {
    const type = this.requireType();
    const polling = await this.api.post<Endpoint>('/v1/endpoints', {
      type: 'polling',
      tenant: this.tenant,
      eventTypes: [type.type],
      description: 'hookline smoke: deleted when the smoke test ends',
    });
    this.polling = { id: polling.id, secret: polling.secret ?? '' };
    // The API's own address without a key: API Gateway (and local mode) refuse it with a 401
    // at once. It resolves to a public address, so the API accepts it in AWS too, unlike a
    // name that never resolves (`.invalid`), and no public URL of the user's is needed.
    const failing = await this.api.post<Endpoint>('/v1/endpoints', {
      url: `${this.api.baseUrl}/v1/hookline-smoke/never-accepted`,
      tenant: this.tenant,
      eventTypes: [type.type],
      retrySchedule: FAILING_RETRY_SCHEDULE,
      maxAttempts: FAILING_MAX_ATTEMPTS,
      description: 'hookline smoke: always refused (401), to be dead-lettered',
    });
    this.failing = { id: failing.id };
    return `polling ${polling.id} and failing push ${failing.id} (retries ${FAILING_RETRY_SCHEDULE.join(',')}, ${FAILING_MAX_ATTEMPTS} attempts) in tenant ${this.tenant}`;
  }

  async publishHttps(): Promise<string> {
    const type = this.requireEndpoints();
    const published = await this.api.post<{ id: string; deliveries: number }>('/v1/events', {
      type: type.type,
      data: type.example,
      tenant: this.tenant,
    });
    this.published.set(published.id, 'https');
    if (published.deliveries !== 2) {
      throw new StepFailed(
        `${type.type} ${published.id} was accepted with ${published.deliveries} deliveries, expected 2 (the polling and the failing endpoint)`,
      );
    }
    return `${type.type} ${published.id}: 2 deliveries`;
  }

  /** PutEvents on the stack's bus (local mode: on the local API), as `publish --via eventbridge`. */
  async publishEventBridge(): Promise<string> {
    const type = this.requireEndpoints();
    const { putEvents } = await import('./aws.js');
    const bus = await busTarget(this.context, undefined);
    const id = `${this.tenant}-bus`;
    const [result] = await putEvents(bus, [
      busEntry({ type: type.type, data: type.example, tenant: this.tenant, id }, BUS_SOURCE),
    ]);
    if (!result || result.ErrorCode) {
      throw new StepFailed(
        `PutEvents on bus ${bus.busName} did not put the entry: ${result?.ErrorCode ?? 'no answer'} ${result?.ErrorMessage ?? ''}`.trim(),
      );
    }
    this.published.set(id, 'eventbridge');
    return `${type.type} ${id} on bus ${bus.busName} (EventBridge id ${result.EventId})`;
  }

  /** Long-polls the polling endpoint's feed until every published event is there, verified. */
  async readFeed(): Promise<string> {
    const polling = this.polling;
    if (polling === undefined || this.published.size === 0) {
      throw new StepSkipped('nothing was published');
    }
    const type = this.requireType();
    const seen = new Map<string, FeedItem>();
    const deadline = Date.now() + this.timeoutMs;
    let cursor: string | undefined;
    while (seen.size < this.published.size) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const missing = [...this.published].filter(([id]) => !seen.has(id));
        const what = missing.map(([id, via]) => `${id} (${via})`).join(', ');
        const hint = missing.every(([, via]) => via === 'eventbridge')
          ? 'is the bus rule invoking the ingest function?'
          : 'events are written to the feed when they are published: is the API storing them?';
        throw new StepFailed(
          `the feed had ${seen.size} of ${this.published.size} events after ${seconds(this.timeoutMs)} s, missing ${what}: ${hint}`,
        );
      }
      const page = (
        await this.api.request<FeedPage>('GET', endpointPath(polling.id, '/feed'), {
          query: { cursor, limit: 100, waitSeconds: Math.min(20, Math.floor(left / 1000)) },
          signal: this.abort.signal,
        })
      ).body;
      cursor = page.cursor;
      for (const item of page.items) if (this.published.has(item.id)) seen.set(item.id, item);
    }
    for (const [id, item] of seen) {
      const problem = signatureProblem(polling.secret, item);
      if (problem !== undefined) throw new StepFailed(`${id} does not verify: ${problem}`);
      if (item.headers['webhook-id'] !== id) {
        throw new StepFailed(`${id} came with webhook-id ${item.headers['webhook-id']}`);
      }
      const body = JSON.parse(item.body) as { type?: string; data?: unknown };
      if (body.type !== type.type || !isDeepStrictEqual(body.data, type.example)) {
        throw new StepFailed(`${id} came with another type or data than was published`);
      }
    }
    return `${seen.size} of ${this.published.size} events read, signatures verified with the endpoint's secret`;
  }

  /**
   * Waits until each published event is a dead letter of the failing endpoint, with the
   * reason `max_attempts`. Nothing tried at all means no dispatcher is reading the queue.
   */
  async awaitDeadLetters(): Promise<string> {
    const failing = this.failing;
    if (failing === undefined || this.published.size === 0) {
      throw new StepSkipped('nothing was published');
    }
    const deadline = Date.now() + this.timeoutMs;
    let letters: DeadLetter[] = [];
    for (;;) {
      letters = (
        await this.api.collect<DeadLetter>('/v1/dead-letters', { endpointId: failing.id })
      ).filter((letter) => this.published.has(letter.eventId));
      this.deadLettered = letters.length;
      if (letters.length === this.published.size || Date.now() >= deadline) break;
      await sleep(POLL_MS, undefined, { signal: this.abort.signal });
    }
    if (letters.length < this.published.size) {
      const tried = await this.api.collect<{ eventId: string }>(
        endpointPath(failing.id, '/attempts'),
        {},
        100,
      );
      this.failedAttempts = tried.length;
      const expected = `expected ${this.published.size} dead letters (max_attempts after ${FAILING_MAX_ATTEMPTS} attempts) within ${seconds(this.timeoutMs)} s`;
      if (tried.length === 0) {
        throw new StepFailed(
          `${expected}, saw not one delivery attempt: is the dispatcher running?`,
        );
      }
      throw new StepFailed(
        `${expected}, saw ${letters.length} after ${tried.length} attempts: is the dispatcher dead-lettering?`,
      );
    }
    const wrong = letters.find((letter) => letter.reason !== 'max_attempts');
    if (wrong !== undefined) {
      throw new StepFailed(
        `${wrong.eventId} was dead-lettered as ${wrong.reason} after ${wrong.attempts} attempts, expected max_attempts after ${FAILING_MAX_ATTEMPTS}`,
      );
    }
    const last = letters[0];
    const lastSeen = last?.lastStatus ?? last?.lastError ?? '?';
    return `${letters.length} dead letters: max_attempts after ${last?.attempts} attempts (last: ${lastSeen})`;
  }

  async alarmTopic(): Promise<string> {
    const arn = await this.context.target.stackOutput('AlarmTopicArn');
    const { topicSubscriptions } = await import('./aws.js');
    const subscriptions = await topicSubscriptions(arn, this.context.target.region);
    if (subscriptions === undefined) throw new StepFailed(`the alarm topic ${arn} does not exist`);
    const heard =
      subscriptions.confirmed === 0
        ? 'no confirmed subscription: nobody hears the alarms'
        : `${subscriptions.confirmed} confirmed subscriptions`;
    return `${arn}: ${heard}${subscriptions.pending > 0 ? `, ${subscriptions.pending} pending` : ''}`;
  }

  /** The console and a portal session for the tenant (smoke-console.ts). */
  async console(): Promise<string> {
    const stack = this.context.target.stack;
    const expected =
      stack === undefined
        ? undefined
        : await this.context.target.stackOutput('ConsoleUrl').catch(() => undefined);
    try {
      return await checkConsole(this.api, this.tenant, expected, this.abort.signal);
    } catch (error) {
      if (error instanceof ConsoleAbsent) throw new StepSkipped(error.message);
      if (error instanceof ConsoleCheckFailed) throw new StepFailed(error.message);
      throw error;
    }
  }

  async dashboard(): Promise<string> {
    const name = await this.context.target.stackOutput('DashboardName');
    const { dashboardWidgets } = await import('./aws.js');
    const widgets = await dashboardWidgets(name, this.context.target.region);
    if (widgets === undefined) throw new StepFailed(`the dashboard ${name} does not exist`);
    return `${name}: ${widgets} widgets`;
  }

  /**
   * Deletes both endpoints, then sends the failing endpoint's dead letters back to the
   * delivery queue: the dispatcher drops each (its endpoint is gone), so the DLQ holds what
   * it held before and its alarm clears. Runs after a failure and after Ctrl-C too.
   */
  async cleanUp(): Promise<string> {
    const deleted: string[] = [];
    const problems: string[] = [];
    for (const endpoint of [this.polling, this.failing]) {
      if (endpoint === undefined) continue;
      try {
        await this.api.delete(endpointPath(endpoint.id));
        deleted.push(endpoint.id);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) deleted.push(endpoint.id);
        else problems.push(`could not delete ${endpoint.id}: ${(error as Error).message}`);
      }
    }
    const done = deleted.length > 0 ? [`deleted ${deleted.join(' and ')}`] : [];
    const failing = this.failing;
    // Letters of a slow dispatcher may come after the step gave up: any attempt means a redrive.
    const tried = this.deadLettered > 0 || this.failedAttempts > 0;
    if (failing !== undefined && deleted.includes(failing.id) && tried) {
      const grace = ENDPOINT_CACHE_GRACE_MS[this.local ? 'local' : 'deployed'];
      await sleep(grace);
      const job = await this.redrive(failing.id);
      const left = await this.api.get<{ data: unknown[]; queueDepth?: number }>(
        '/v1/dead-letters',
        { endpointId: failing.id },
      );
      if (job.status !== 'completed') {
        problems.push(
          `the redrive ${job.id} of its dead letters was not done after ${seconds(this.timeoutMs)} s`,
        );
      } else if (left.data.length > 0) {
        problems.push(`${left.data.length} dead letters of ${failing.id} are still listed`);
      } else {
        const depth = left.queueDepth === undefined ? '' : ` (it now holds ${left.queueDepth})`;
        done.push(`took the failing endpoint's ${job.queued} dead letters out of the DLQ${depth}`);
      }
    }
    if (problems.length > 0) {
      throw new StepFailed(`${problems.join('; ')}: remove what is left of tenant ${this.tenant}`);
    }
    return done.length > 0 ? done.join('; ') : 'nothing was created';
  }

  /** Moves the endpoint's dead letters back to the queue and waits for the job to finish. */
  private async redrive(endpointId: string): Promise<Job> {
    const job = await this.api.post<Job>('/v1/dead-letters/redrive', { endpointId });
    return pollJob(this.api, job, { deadline: Date.now() + this.timeoutMs });
  }

  private requireType(): CatalogEntry {
    if (this.eventType === undefined) throw new StepSkipped('the API was not reachable');
    return this.eventType;
  }

  private requireEndpoints(): CatalogEntry {
    const type = this.requireType();
    if (this.polling === undefined || this.failing === undefined) {
      throw new StepSkipped('the endpoints were not created');
    }
    return type;
  }

  /** The endpoints made so far, which `--keep` leaves. */
  get created(): string[] {
    return [this.polling?.id, this.failing?.id].filter((id): id is string => id !== undefined);
  }
}
