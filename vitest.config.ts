import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local (Java) for the whole run; the storage suites create tables on it.
    // The console is built once, before any file serves or synthesizes it.
    globalSetup: ['test/support/dynamodb-local-setup.ts', 'test/support/console-build-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // e2e files start whole local systems; two at once is what this 2-core machine takes.
    maxWorkers: 2,
  },
});
