import path from 'node:path';
import { defineConfig } from 'vitest/config';

const report = process.env.KLIENT_TEST_REPORT;

export default defineConfig({
  root: path.resolve(import.meta.dirname, '..'),
  test: {
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    // One server, one browser flow after another: the steps build on each other.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: report ? ['default', 'json'] : ['default'],
    ...(report ? { outputFile: { json: `${report}.e2e.json` } } : {}),
  },
});
