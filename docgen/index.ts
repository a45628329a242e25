/**
 * Everything `npm run docs` generates, gathered in one list: `bin/docs.ts` writes it and
 * `test/docs/generated-docs.test.ts` fails when the committed files differ from it. Output is
 * deterministic (no clock, no randomness), so regenerating gives the same bytes.
 */
import { asyncApiFile } from './asyncapi';
import { eventPageFiles } from './event-pages';
import { fixtureFiles } from './fixtures';
import { openApiFile } from './openapi';

/** A file to write, by its path from the repository root (forward slashes). */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/**
 * Folders whose every file is generated: a file in them that is not generated is stale and
 * removed. Anything else (docs/adr/, …) is never touched.
 */
export const GENERATED_DIRECTORIES: readonly string[] = ['docs/events', 'fixtures'];

export function generatedFiles(): GeneratedFile[] {
  return [...eventPageFiles(), asyncApiFile(), openApiFile(), ...fixtureFiles()];
}
