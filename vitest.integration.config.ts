import { defineConfig } from 'vitest/config';

// Integration suite: real Kafka broker (KAFKA_BROKERS), real chDB engine, CLI processes, browser.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    globalSetup: ['test/setup/build.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
