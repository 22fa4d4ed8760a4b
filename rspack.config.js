// The Nest CLI's rspack builder (nest-cli.json `builder`) spreads what this returns over its own
// defaults (@nestjs/cli lib/compiler/defaults/rspack-defaults.js).
const TARGET = 'es2023'; // tsconfig.json's target, which ts-jest compiles the specs to

/** swc emits for tsconfig's target (the builder's default is es2021: class fields downlevelled). */
function withTarget(rule) {
  const use = rule.use.map((entry) =>
    entry.loader === 'builtin:swc-loader'
      ? { ...entry, options: { ...entry.options, jsc: { ...entry.options.jsc, target: TARGET } } }
      : entry,
  );
  return { ...rule, use };
}

/** @type {(defaults: import('@rspack/core').Configuration) => import('@rspack/core').Configuration} */
module.exports = (defaults) => ({
  module: {
    ...defaults.module,
    rules: defaults.module.rules.map(withTarget),
    // One main.js per app, which is all the Dockerfile copies: main.ts `import()`s the app only
    // after the configuration is validated and tracing started; eager mode keeps that order (the
    // module still runs when import() is called) without splitting it into a chunk file.
    parser: { javascript: { dynamicImportMode: 'eager' } },
  },
  // No source maps in dist, as with the webpack builder (tsconfig's sourceMap serves ts-jest).
  devtool: false,
});
