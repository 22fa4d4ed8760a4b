// The Nest CLI's rspack builder (nest-cli.json `builder`) spreads what this returns over its own
// defaults (@nestjs/cli lib/compiler/defaults/rspack-defaults.js).
/** @type {(defaults: import('@rspack/core').Configuration) => import('@rspack/core').Configuration} */
module.exports = (defaults) => ({
  // One main.js per app, which is all the Dockerfile copies: main.ts `import()`s the app only
  // after the configuration is validated and tracing started; eager mode keeps that order (the
  // module still runs when import() is called) without splitting it into a chunk file.
  module: { ...defaults.module, parser: { javascript: { dynamicImportMode: 'eager' } } },
  // No source maps in dist, as with the webpack builder (tsconfig's sourceMap serves ts-jest).
  devtool: false,
});
