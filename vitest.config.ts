import { defineConfig } from 'vitest/config';

// The suite runs on PGlite always, and again on PostgreSQL when TEST_DATABASE_URL is set.
const engines = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export default defineConfig({
  test: {
    pool: 'forks',
    // Both engines' files share the machine's two cores.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: engines.map((engine) => ({
      test: {
        name: engine,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        globalSetup: ['test/global-setup.ts'],
        setupFiles: ['test/no-outbound.ts'],
        env: { TEST_ENGINE: engine },
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
