import { hostname } from 'node:os';
import { logLevel, nonNegativeInt, port, positiveInt, redisUrl } from '@app/config';
import { otelSchema } from '@app/observability/otel-config';
import { z } from 'zod';

/**
 * Every environment variable the web node reads. Validated once at startup (all problems
 * reported together, exit 1); feature code receives the typed result, never `process.env`.
 */
export const webConfigSchema = z.object({
  PORT: port(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: redisUrl('redis://127.0.0.1:6379'),
  NODE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-"')
    .default(hostname()),
  LOG_LEVEL: logLevel,
  /** Bound on any one Redis command: a request never waits longer on Redis. */
  REDIS_TIMEOUT_MS: positiveInt(500),
  /** Kept off every deadline (the gateway's `x-request-deadline`, and the node's own
   * REDIS_TIMEOUT_MS one): room for clock skew between hosts and for the answer's way back. A
   * hit is counted only if Redis runs it this long before its deadline. */
  DEADLINE_MARGIN_MS: nonNegativeInt(50),
  /** How long a counted hit's `Idempotency-Key` is remembered, so that a retry of the same
   * request (the gateway's next attempt after a lost reply) answers the first count instead of
   * counting again. Must exceed the longest retry: the gateway's RETRY_TIMEOUT_MS (10 s by
   * default). Costs one Redis key per hit for this long (docs/scaling.md). */
  IDEMPOTENCY_TTL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(30_000),
  /** After SIGTERM, how long readiness answers 503 before the listener closes, so load
   * balancers stop sending new requests first: longer than the gateway needs to notice
   * (HEALTH_CHECK_FAILS × HEALTH_CHECK_INTERVAL_MS = 2 × 1 s by default). */
  SHUTDOWN_DELAY_MS: nonNegativeInt(3000),
  /** Upper bound on draining in-flight requests after the listener closes. */
  SHUTDOWN_TIMEOUT_MS: positiveInt(5000),
  ...otelSchema('web').shape,
});

export type WebConfig = z.output<typeof webConfigSchema>;

/** Injection token for {@link WebConfig}. */
export const WEB_CONFIG = 'WEB:CONFIG';
