#!/usr/bin/env node
// Runs the built CLI; in a checkout that was never built, or whose sources changed since the
// build, runs the TypeScript sources through tsx, so `npx hookline` works right after
// `npm ci` and never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';

const built = new URL('../dist/main.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);

function builtIsCurrent() {
  if (!existsSync(built)) return false;
  // The published package ships dist/ alone.
  if (!existsSync(sources)) return true;
  const builtAt = statSync(built).mtimeMs;
  return readdirSync(sources, { recursive: true }).every(
    (file) => statSync(new URL(file, sources)).mtimeMs <= builtAt,
  );
}

if (builtIsCurrent()) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
