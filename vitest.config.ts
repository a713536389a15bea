import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // A fresh PGlite takes seconds to start; each test file shares one migrated instance.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
