import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CliError, UsageError } from './errors.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function readFile(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${option} file ${path}: ${(error as Error).message}`);
  }
}

/** `--data`: JSON text, `@file.json`, or `@-` for standard input. */
export async function readJsonOption(option: string, value: string): Promise<unknown> {
  const text =
    value === '@-'
      ? await readStdin()
      : value.startsWith('@')
        ? readFile(value.slice(1), option)
        : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} is not JSON: ${(error as Error).message}`);
  }
}

/** One line of an NDJSON input: its number (from 1) and what it holds, or why it holds nothing usable. */
export type NdjsonLine =
  | { readonly line: number; readonly value: Record<string, unknown> }
  | { readonly line: number; readonly error: string };

/**
 * The lines of an NDJSON file or of stdin (`-`), read as they come so a large file is never
 * held whole. Blank lines are skipped; a line that is not a JSON object is reported, not fatal.
 */
export async function* ndjsonLines(source: string): AsyncGenerator<NdjsonLine> {
  let input: NodeJS.ReadableStream;
  if (source === '-') {
    input = process.stdin;
  } else {
    const stream = createReadStream(source);
    await new Promise<void>((ready, fail) => {
      stream.once('open', () => ready());
      stream.once('error', (error) =>
        fail(new CliError(`cannot read ${source}: ${error.message}`)),
      );
    });
    input = stream;
  }
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    line++;
    if (text.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(text);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        yield { line, error: 'is not a JSON object' };
      } else {
        yield { line, value: value as Record<string, unknown> };
      }
    } catch (error) {
      yield { line, error: `is not JSON (${(error as Error).message})` };
    }
  }
}

/** How many lines a file has, for a progress bar's total; stdin's is not known ahead. */
export async function countLines(source: string): Promise<number | undefined> {
  if (source === '-') return undefined;
  let count = 0;
  try {
    for await (const chunk of createReadStream(source)) {
      for (const byte of chunk as Buffer) if (byte === 10) count++;
    }
  } catch {
    return undefined;
  }
  return count;
}
