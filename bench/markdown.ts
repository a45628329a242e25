/**
 * The last bench results (bench/results/latest.json) as a Markdown table for the README, with
 * the date and the machine. `npm run bench -- --markdown`, or `npx tsx bench/markdown.ts [file]`.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A figure with a target (DESIGN §7). */
export interface SummaryRow {
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  readonly pass: boolean;
}

/** A figure reported without a target. */
export interface ReportRow {
  readonly figure: string;
  readonly value: string;
}

export interface LatestResults {
  readonly at: string;
  readonly durationS: number;
  readonly machine: {
    readonly node: string;
    readonly cpus: number;
    readonly cpuModel?: string;
    readonly loadAverageAtStart?: readonly number[];
  };
  readonly summary: readonly SummaryRow[];
  readonly report?: readonly ReportRow[];
}

export const LATEST = join(import.meta.dirname, 'results', 'latest.json');

export function readLatest(file = LATEST): LatestResults {
  return JSON.parse(readFileSync(file, 'utf8')) as LatestResults;
}

/** `|` would end a cell early. */
const cell = (text: string) => text.replaceAll('|', '\\|');

export function markdownOf(results: LatestResults): string {
  const { machine } = results;
  const lines = [
    `Last run ${results.at.slice(0, 10)} on ${machine.cpuModel ?? 'an unknown CPU'}, ${machine.cpus} cores, Node ${machine.node}` +
      `${machine.loadAverageAtStart ? ` (load ${machine.loadAverageAtStart.join(' ')} at start)` : ''}; ${Math.round(results.durationS)} s:`,
    '',
    '| figure | measured | target | |',
    '|---|---|---|---|',
    ...results.summary.map(
      (row) =>
        `| ${cell(row.figure)} | ${cell(row.value)} | ${cell(row.target)} | ${row.pass ? 'pass' : '**miss**'} |`,
    ),
    ...(results.report ?? []).map((row) => `| ${cell(row.figure)} | ${cell(row.value)} | | |`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  console.log(markdownOf(readLatest(process.argv[2] ?? LATEST)));
}
