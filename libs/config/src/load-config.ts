import { type z } from 'zod';

/** One invalid variable and why. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Thrown when configuration is invalid; lists every problem, not only the first. */
export class ConfigValidationError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${i.variable}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigValidationError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Validate `env` against a schema whose keys are variable names. Empty strings count as unset
 * (so `PORT=` in an env file means "use the default"), as docker compose and dotenv users expect.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env): z.output<S> {
  const input: Env = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    input[key] = value === undefined || value.trim() === '' ? undefined : value.trim();
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigValidationError(
    result.error.issues.map((issue) => ({
      variable: issue.path.map(String).join('.') || '(root)',
      message: issue.message,
    })),
  );
}

/**
 * Entry-point helper: validate, or print every problem to stderr and exit 1 before anything
 * else starts (no half-started process with a bad port or an unreachable Redis URL).
 */
export function loadConfigOrExit<S extends z.ZodObject>(
  schema: S,
  env: Env,
  app: string,
): z.output<S> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigValidationError)) throw err;
    process.stderr.write(`${app}: ${err.message}\n`);
    process.exit(1);
  }
}
