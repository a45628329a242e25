import { consoleAssetsDir } from '../../lib/console/assets';

/**
 * Builds the console once before any test file runs, when its sources are newer than its
 * build: local mode, `cdk synth` and the browser tests then all read a finished `dist/`,
 * instead of each test file racing to rebuild it.
 */
export default function setup(): void {
  consoleAssetsDir();
}
