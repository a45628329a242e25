import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console's package, whose `npm run build` writes the static files to `dist/`. */
export const CONSOLE_PACKAGE_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../packages/console',
);

/** Where local mode serves the console; on CloudFront it is the distribution's root. */
export const LOCAL_CONSOLE_PATH = '/console/';

/**
 * The built console (`packages/console/dist`), built first when it is missing, so that
 * `npm start` and `cdk synth` work on a fresh clone without a separate build step.
 */
export function consoleAssetsDir(): string {
  const dist = join(CONSOLE_PACKAGE_DIR, 'dist');
  if (!existsSync(join(dist, 'index.html'))) {
    execFileSync(process.execPath, [viteCli(), 'build', '--logLevel', 'warn'], {
      cwd: CONSOLE_PACKAGE_DIR,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
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
