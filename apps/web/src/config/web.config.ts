import { hostname } from 'node:os';
import { logLevel, nonNegativeInt, port, positiveInt, redisUrl } from '@app/config';
import { otelSchema } from '@app/observability/otel-config';
import { z } from 'zod';

/**
 * Every environment variable the web node reads. Validated once at startup (all problems
 * reported together, exit 1); feature code receives the typed result, never `process.env`.
 */
export const webConfigSchema = z.object({
  PORT: port(3000).meta({ description: 'HTTP port (`0` = any free port).' }),
  HOST: z.string().min(1).default('0.0.0.0').meta({ description: 'Bind address.' }),
  REDIS_URL: redisUrl('redis://127.0.0.1:6379').meta({
    description:
      'Redis holding `counter` and `hits:by-node` and carrying the `hits` events: a `redis://` or `rediss://` URL.',
  }),
  NODE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-"')
    .default(hostname())
    .meta({
      description: 'Name in `x-served-by`, in hit events and in `hits:by-node`.',
      defaultText: 'the host name',
    }),
  LOG_LEVEL: logLevel,
  REDIS_TIMEOUT_MS: positiveInt(500).meta({
    description: 'Bound on any one Redis command: a request never waits longer on Redis.',
  }),
  DEADLINE_MARGIN_MS: nonNegativeInt(50).meta({
    description:
      "Kept off every deadline (the gateway's `x-request-deadline`, and the node's own `REDIS_TIMEOUT_MS` one): room for clock skew between hosts and for the answer's way back. A hit is counted only if Redis runs it this long before its deadline (docs/reliability.md).",
  }),
  IDEMPOTENCY_TTL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(30_000).meta({
    description:
      "How long a counted hit's `Idempotency-Key` is remembered in Redis (1 s … 24 h), so that a retry of the same request (the gateway's next attempt after a lost reply) answers the first count (`Idempotent-Replayed: true`) instead of counting again. Keep it above the gateway's `RETRY_TIMEOUT_MS`; one Redis key per hit for this long (docs/reliability.md, docs/scaling.md).",
  }),
  SHUTDOWN_DELAY_MS: nonNegativeInt(3000).meta({
    description:
      'After SIGTERM, how long readiness answers 503 before the listener closes, so load balancers stop sending new requests first: longer than the gateway needs to notice (`HEALTH_CHECK_FAILS` × `HEALTH_CHECK_INTERVAL_MS`).',
  }),
  SHUTDOWN_TIMEOUT_MS: positiveInt(5000).meta({
    description: 'Upper bound on draining in-flight requests after the listener closes.',
  }),
  ...otelSchema('web').shape,
});

export type WebConfig = z.output<typeof webConfigSchema>;

/** Injection token for {@link WebConfig}. */
export const WEB_CONFIG = 'WEB:CONFIG';
