import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr, drawn only on a terminal: piped or captured output gets the
 * summary line alone, never a stream of redraws.
 */
export class ProgressBar<Payload extends object> {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(format: string) {
    this.bar = new cliProgress.SingleBar(
      {
        format,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
        barsize: 30,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(total: number, payload: Payload): void {
    this.bar.start(Math.max(total, 1), 0, payload);
    this.started = true;
  }

  update(value: number, payload: Payload, total?: number): void {
    if (!this.started) return;
    if (total !== undefined) this.bar.setTotal(Math.max(total, value, 1));
    this.bar.update(value, payload);
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}
