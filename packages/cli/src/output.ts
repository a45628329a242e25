import Table from 'cli-table3';
import pc from 'picocolors';

type Colors = ReturnType<typeof pc.createColors>;

/**
 * Colour only for a terminal that shows it: never with NO_COLOR or --no-color, always with
 * FORCE_COLOR, else when the stream is a TTY that is not `dumb`. (picocolors' own guess also
 * colours piped output whenever CI is set, which garbles logs and captured output.)
 */
export function colorsFor(
  stream: NodeJS.WriteStream,
  wanted: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Colors {
  const enabled =
    wanted !== false &&
    !env.NO_COLOR &&
    (Boolean(env.FORCE_COLOR && env.FORCE_COLOR !== '0') ||
      (stream.isTTY === true && env.TERM !== 'dumb'));
  return pc.createColors(enabled);
}

/** What commands write: tables and lines for people, or JSON alone with `--json`. */
export class Output {
  readonly color: Colors;
  readonly errColor: Colors;

  constructor(
    readonly json: boolean,
    color: boolean | undefined,
  ) {
    this.color = colorsFor(process.stdout, color);
    this.errColor = colorsFor(process.stderr, color);
  }

  /** A line for people; nothing in `--json` mode, where stdout carries JSON only. */
  line(text = ''): void {
    if (!this.json) process.stdout.write(`${text}\n`);
  }

  /** The machine answer in `--json` mode. */
  data(value: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One JSON document per line, for commands that report as they go. */
  event(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Notes and warnings go to stderr, so they never mix with what a script reads. */
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    process.stderr.write(`${this.errColor.yellow('warning:')} ${text}\n`);
  }

  /** An aligned table without borders; empty cells show as `-`. */
  table(head: readonly string[], rows: readonly (readonly Cell[])[]): void {
    if (this.json) return;
    const table = new Table({
      head: head.map((h) => this.color.bold(h)),
      chars: BORDERLESS,
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    });
    for (const row of rows) table.push(row.map(cellText));
    const text = table
      .toString()
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n');
    process.stdout.write(`${text}\n`);
  }

  /** `name  value` lines for one resource. */
  fields(entries: readonly (readonly [string, Cell])[]): void {
    if (this.json) return;
    const width = Math.max(...entries.map(([name]) => name.length));
    for (const [name, value] of entries) {
      this.line(`${this.color.dim(name.padEnd(width))}  ${cellText(value)}`);
    }
  }

  /** A status word coloured by what it means for a delivery. */
  status(status: string | number | null | undefined): string {
    if (status === null || status === undefined) return '-';
    const text = String(status);
    if (/^(delivered|completed|enabled|ok|2\d\d)$/.test(text)) return this.color.green(text);
    if (/^(failed|dead_lettered|disabled|[45]\d\d|error)$/.test(text)) return this.color.red(text);
    return this.color.yellow(text);
  }
}

export type Cell = string | number | boolean | null | undefined;

function cellText(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value);
}

const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '',
};

/** `2026-11-27 09:30:00Z`: a UTC time to the second, as wide in every row. */
export function formatTime(iso: string | undefined | null): string {
  if (!iso) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

export function formatList(values: readonly string[] | undefined | null, all = 'all'): string {
  return values && values.length > 0 ? values.join(',') : all;
}

/** `1 event`, `2 events`, `2 deliveries`. */
export const plural = (count: number, word: string) =>
  `${count} ${count === 1 ? word : word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`}`;
