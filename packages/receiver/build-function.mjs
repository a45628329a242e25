// Bundles the verifying Lambda function that the WebhookReceiver construct deploys, so a
// consumer's `cdk synth` needs neither esbuild nor Docker: the asset ships in the package.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const outdir = fileURLToPath(new URL('./function/', import.meta.url));
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { index: fileURLToPath(new URL('./src/function/handler.ts', import.meta.url)) },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  minify: true,
  sourcemap: false,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // Powertools and the SDK are CommonJS in places; ESM output needs a require.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
