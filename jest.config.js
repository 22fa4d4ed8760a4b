// Two projects: fast unit specs beside the code, and e2e specs that start real apps and a real
// redis-server. `npm test` runs both; `npm run test:unit` only the first.
const moduleNameMapper = { '^@app/([a-z-]+)(/.*)?$': '<rootDir>/libs/$1/src$2' };
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] };

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: [
        '<rootDir>/apps',
        '<rootDir>/libs',
        '<rootDir>/ops',
        '<rootDir>/loadtest',
        '<rootDir>/scripts',
      ],
      testMatch: ['**/*.spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      roots: ['<rootDir>/apps', '<rootDir>/ops'],
      testMatch: ['**/test/*.e2e-spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      moduleNameMapper,
      transform,
      // Real processes and servers: allow for a slow CI machine (testTimeout is not a project option).
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/e2e-setup.ts'],
    },
  ],
};
