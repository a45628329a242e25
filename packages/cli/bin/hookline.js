#!/usr/bin/env node
// The built CLI when there is one; in a checkout that was never built, the TypeScript sources
// through tsx, so `npx hookline` works right after `npm ci`.
import { existsSync } from 'node:fs';

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
