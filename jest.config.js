// Unit tests (pure functions, fakes allowed) and integration tests (a real Temporal dev
// server, MariaDB, Redis and an SMTP listener). The global setup starts the dev server and
// creates a throwaway database for the run; integration files run one at a time because
// each starts the real worker pools on the shared task queues.
/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { diagnostics: false }];
module.exports = {
  testTimeout: 60_000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 1,
  // The Temporal native runtime keeps the event loop alive after the last worker stops.
  forceExit: true,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'deploy',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/deploy/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      slowTestThreshold: 30,
    },
    // The production Temporal server (tools/temporal-cluster.ts) on PostgreSQL: opt-in
    // (`npm run test:cluster`), because a machine without the server build spends ~6 min on
    // `go install` first.
    ...(process.env.SHOP_TEST_CLUSTER
      ? [
          {
            displayName: 'cluster',
            testEnvironment: 'node',
            transform: { '^.+\\.ts$': tsJest },
            testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
            slowTestThreshold: 120,
          },
        ]
      : []),
  ],
};
