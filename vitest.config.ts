import { defineConfig } from 'vitest/config';

// CI asks for a JSON report beside the console, to add up both database runs.
const report = process.env.KLIENT_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/test/global-setup.ts'],
    setupFiles: ['src/test/setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Files in a worker share one database (PGlite costs ~700 MB and seconds to open).
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: report ? ['default', 'json'] : ['default'],
    ...(report ? { outputFile: { json: `${report}.unit.json` } } : {}),
  },
});
