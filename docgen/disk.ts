/** How the generated files compare with the files in a checkout. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { GENERATED_DIRECTORIES, type GeneratedFile } from './index';

export interface Drift {
  /** Generated files whose content on disk differs. */
  readonly stale: readonly string[];
  /** Generated files not on disk. */
  readonly missing: readonly string[];
  /** Files in a generated directory that are no longer generated. */
  readonly extra: readonly string[];
}

/** Every file under `directory` (relative to `root`), as repository paths. */
function filesUnder(root: string, directory: string): string[] {
  const absolute = join(root, directory);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join(posix.sep))
    .sort();
}

/** The files in the generated directories, whoever made them. */
export const filesInGeneratedDirectories = (root: string): string[] =>
  GENERATED_DIRECTORIES.flatMap((directory) => filesUnder(root, directory));

export function driftOf(root: string, files: readonly GeneratedFile[]): Drift {
  const stale: string[] = [];
  const missing: string[] = [];
  for (const file of files) {
    const path = join(root, file.path);
    if (!existsSync(path)) missing.push(file.path);
    else if (readFileSync(path, 'utf8') !== file.content) stale.push(file.path);
  }
  const generated = new Set(files.map((file) => file.path));
  const extra = filesInGeneratedDirectories(root).filter((path) => !generated.has(path));
  return { stale, missing, extra };
}
