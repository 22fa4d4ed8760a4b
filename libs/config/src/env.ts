import { z } from 'zod';

/**
 * What the generated configuration reference (`npm run docs`, scripts/docs/) says about a
 * variable, attached to its schema with `.meta({...})` so the schema is the one source of both
 * the validation and the documentation.
 */
declare module 'zod/v4/core' {
  interface GlobalMeta {
    /** The nginx directive (or `server` parameter) the variable stands for. */
    nginx?: string;
    /** The default as a reader should see it, when it is computed at startup (a host name). */
    defaultText?: string;
  }
}

/**
 * Schema building blocks shared by every app's configuration. Each reads one environment
 * variable (always a string or undefined) and turns it into a typed value.
 */

/** A TCP port; `0` lets the OS pick one (tests use it). */
export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);

export const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);

export const nonNegativeInt = (fallback: number) =>
  z.coerce.number().int().nonnegative().default(fallback);

const redisUrlSchema = z.url({
  protocol: /^rediss?$/,
  error: 'must be a redis:// or rediss:// URL',
});

export const redisUrl = (fallback: string) => redisUrlSchema.default(fallback);

/** A Redis URL whose absence turns a feature off. */
export const optionalRedisUrl = redisUrlSchema.optional();

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info')
  .meta({ description: 'Least severe level written to the JSON log on stdout (pino).' });

/** A boolean written the way environment variables usually are. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(fallback);
