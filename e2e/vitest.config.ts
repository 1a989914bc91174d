import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * main-flows.e2e.ts meets the install on its first run (the setup page) and
 * creates the business the other files use, so it goes first; the rest
 * follow by name.
 */
class FirstRunFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => (f.moduleId.endsWith('main-flows.e2e.ts') ? '0' : `1${f.moduleId}`);
    return [...files].sort((a, b) => rank(a).localeCompare(rank(b)));
  }
}

const report = process.env.KLIENT_TEST_REPORT;

export default defineConfig({
  root: path.resolve(import.meta.dirname, '..'),
  test: {
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    // One server, one browser flow after another: the steps build on each other.
    fileParallelism: false,
    sequence: { sequencer: FirstRunFirst },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // A screen waits on the server: on a busy machine a merge with every module's hooks takes seconds, not one.
    expect: { poll: { timeout: 10_000 } },
    reporters: report ? ['default', 'json'] : ['default'],
    ...(report ? { outputFile: { json: `${report}.e2e.json` } } : {}),
  },
});
