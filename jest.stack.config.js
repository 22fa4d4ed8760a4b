// `npm run test:stack` (scripts/stack/test-stack.sh): the compose stack on a real Docker engine.
// Apart from `npm test`: it needs an engine, builds images and takes minutes.
const base = require('./jest.config.js');
const e2e = base.projects.find((p) => p.displayName === 'e2e');

/** @type {import('jest').Config} */
module.exports = {
  reporters: base.reporters,
  projects: [
    {
      ...e2e,
      displayName: 'stack',
      roots: ['<rootDir>/ops'],
      testMatch: ['**/test/*.stack-spec.ts'],
    },
  ],
};
