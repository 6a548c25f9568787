// End-to-end tests: the real engine process against the real broker node and FerretDB.
const base = require('../jest.config.js');

module.exports = {
  ...base,
  rootDir: '..',
  roots: ['<rootDir>/test'],
  testRegex: '.*\\.e2e-spec\\.ts$',
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/engine-cleanup.ts'],
  testTimeout: 120000,
  maxWorkers: 1,
};
