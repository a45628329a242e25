import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console's package, whose `npm run build` writes the static files to `dist/`. */
export const CONSOLE_PACKAGE_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../packages/console',
);

/** Where local mode serves the console; on CloudFront it is the distribution's root. */
export const LOCAL_CONSOLE_PATH = '/console/';

/** What the build reads: a change to any of these makes `dist/` stale. */
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json'];

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestChange(join(path, entry))),
    stats.mtimeMs,
  );
}

/** Whether `dist/` is missing or older than a source of the console. */
export function consoleBuildIsStale(dist = join(CONSOLE_PACKAGE_DIR, 'dist')): boolean {
  const built = join(dist, 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(...SOURCES.map((s) => newestChange(join(CONSOLE_PACKAGE_DIR, s))));
  return sources > statSync(built).mtimeMs;
}

/**
 * The built console (`packages/console/dist`), built first when it is missing or older than
 * its sources, so that `npm start`, `cdk synth` and the tests on a fresh clone (or after an
 * edit) serve what the sources say without a separate build step. The build goes to a
 * folder of its own and replaces `dist/` in one rename, so a server reading `dist/` meanwhile
 * never sees it half-written.
 */
export function consoleAssetsDir(): string {
  const dist = join(CONSOLE_PACKAGE_DIR, 'dist');
  if (!consoleBuildIsStale(dist)) return dist;
  const staging = `${dist}.building-${process.pid}`;
  try {
    execFileSync(
      process.execPath,
      [viteCli(), 'build', '--logLevel', 'warn', '--outDir', staging, '--emptyOutDir'],
      { cwd: CONSOLE_PACKAGE_DIR, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    rmSync(dist, { recursive: true, force: true });
    renameSync(staging, dist);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return dist;
}

/** Vite's command-line entry, run on this process's Node rather than through npx. */
function viteCli(): string {
  const candidates = [
    join(CONSOLE_PACKAGE_DIR, 'node_modules/vite/bin/vite.js'),
    join(CONSOLE_PACKAGE_DIR, '../../node_modules/vite/bin/vite.js'),
  ];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error('vite is not installed: run npm ci, then npm run build');
  return found;
}
