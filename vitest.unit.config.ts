import { defineConfig } from 'vitest/config';

// Unit suite: pure functions and the embedded store; no Kafka broker needed.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
