import { newUlid } from './ids';
import type { AttemptLog, AttemptLogEntry } from './ports';

type AttemptDetail = AttemptLogEntry['attempts'][number];

/**
 * Collects one batch's attempt records so they are written together, cheaply: the successes
 * of one endpoint share a row, each failure has its own (docs/adr: success records per batch).
 */
export class AttemptCollector {
  private readonly delivered = new Map<string, AttemptDetail[]>();
  private readonly failed: AttemptLogEntry[] = [];

  constructor(private readonly now: () => number) {}

  success(endpointId: string, detail: AttemptDetail): void {
    const list = this.delivered.get(endpointId) ?? [];
    list.push(detail);
    this.delivered.set(endpointId, list);
  }

  failure(endpointId: string, detail: AttemptDetail): void {
    const at = new Date(this.now()).toISOString();
    this.failed.push({
      endpointId,
      attemptId: newUlid(),
      outcome: 'failed',
      at,
      attempts: [detail],
    });
  }

  entries(): AttemptLogEntry[] {
    const at = new Date(this.now()).toISOString();
    const successes = [...this.delivered].map(([endpointId, attempts]) => ({
      endpointId,
      attemptId: newUlid(),
      outcome: 'delivered' as const,
      at,
      attempts,
    }));
    return [...successes, ...this.failed];
  }

  async flush(log: AttemptLog): Promise<void> {
    const entries = this.entries();
    if (entries.length > 0) await log.append(entries);
  }
}
