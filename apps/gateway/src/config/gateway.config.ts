import { availableParallelism } from 'node:os';
import { flag, logLevel, nonNegativeInt, optionalRedisUrl, port, positiveInt } from '@app/config';
import { otelSchema } from '@app/observability/otel-config';
import { z } from 'zod';
import { type UpstreamSpec, parseUpstreams } from '../upstreams/upstream-spec';

/** The lab's cluster: web1..web3 on this machine with weights 1:2:3 (what `npm start` runs). */
export const LAB_UPSTREAMS =
  'http://127.0.0.1:3001 weight=1,http://127.0.0.1:3002 weight=2,http://127.0.0.1:3003 weight=3';

const upstreams = z
  .string()
  .default(LAB_UPSTREAMS)
  .transform((value, ctx): UpstreamSpec[] => {
    const result = parseUpstreams(value);
    if (result.ok) return result.specs;
    for (const message of result.errors) ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

/**
 * Every environment variable the gateway reads. Validated once at startup (all problems at
 * once, exit 1). Timeouts are in milliseconds. Each variable's meaning and nginx equivalent is
 * its `.meta()`, which the reference in docs/gateway.md is generated from (`npm run docs`).
 */
export const gatewayConfigSchema = z
  .object({
    PORT: port(8080).meta({
      description: 'Data plane port: the proxied traffic (`0` = any free port).',
      nginx: 'listen',
    }),
    HOST: z.string().min(1).default('0.0.0.0').meta({ description: 'Data plane bind address.' }),
    // On this project's 2-core machine one process measures better (docs/performance.md),
    // hence the default.
    GATEWAY_WORKERS: z
      .union([z.literal('auto'), z.coerce.number().int().min(1).max(64)], {
        error: 'must be a whole number from 1 to 64, or auto',
      })
      .default(1)
      .transform((value) => (value === 'auto' ? availableParallelism() : value))
      .meta({
        description:
          'Data plane processes: 1 runs everything in one process; N > 1 or `auto` (one per core) forks N data plane workers sharing `PORT`, the primary keeping the admin plane (docs/gateway.md, "Workers").',
        nginx: 'worker_processes',
      }),
    ADMIN_PORT: port(8081).meta({
      description: 'Admin plane port: live view, health, metrics, `/upstreams`.',
    }),
    ADMIN_HOST: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .meta({ description: 'Admin plane bind address. Loopback by default: never public.' }),
    UPSTREAMS: upstreams.meta({
      description:
        'Comma-separated `URL [weight=N] [max_fails=N] [fail_timeout=T]` entries, with nginx\'s meaning and defaults (docs/gateway.md, "Upstreams").',
      nginx: 'upstream { server … weight= max_fails= fail_timeout= }',
    }),
    BALANCER: z.enum(['round_robin', 'least_conn']).default('round_robin').meta({
      description: "`round_robin` (smooth weighted, nginx's default) or `least_conn`.",
      nginx: 'least_conn',
    }),
    DNS_REFRESH_MS: positiveInt(5000).meta({
      description:
        'How often a host name in `UPSTREAMS` is re-resolved (new addresses join, gone ones leave).',
      nginx: 'server … resolve (nginx Plus)',
    }),

    HEALTH_CHECK_PATH: z.string().startsWith('/').default('/health/ready').meta({
      description: 'Active checks: `GET <upstream><path>`.',
      nginx: 'health_check uri= (nginx Plus)',
    }),
    HEALTH_CHECK_INTERVAL_MS: nonNegativeInt(1000).meta({
      description: 'Time between two active checks of an upstream; 0 turns them off.',
      nginx: 'health_check interval= (nginx Plus)',
    }),
    HEALTH_CHECK_TIMEOUT_MS: positiveInt(1000).meta({
      description: 'Bound on one active check, connecting included.',
    }),
    HEALTH_CHECK_FAILS: positiveInt(2).meta({
      description: 'Consecutive failed checks that eject an upstream.',
      nginx: 'health_check fails= (nginx Plus)',
    }),
    HEALTH_CHECK_PASSES: positiveInt(2).meta({
      description:
        'Consecutive passed checks that re-admit an upstream (and lift a passive ejection).',
      nginx: 'health_check passes= (nginx Plus)',
    }),

    OUTLIER_LATENCY_FACTOR: nonNegativeInt(10).meta({
      description:
        "Latency outliers: an upstream whose time to response headers stays above this many times its peers' median (and above `OUTLIER_MIN_LATENCY_MS`) is ejected for its fail_timeout. 0 turns it off.",
    }),
    OUTLIER_MIN_LATENCY_MS: positiveInt(100).meta({
      description: 'Latency outliers: no upstream faster than this is ever one.',
    }),

    RETRY_TRIES: positiveInt(3).meta({
      description: 'Attempts per request, the first included.',
      nginx: 'proxy_next_upstream_tries',
    }),
    RETRY_TIMEOUT_MS: positiveInt(10_000).meta({
      description: "The request's deadline: bound on all its attempts together.",
      nginx: 'proxy_next_upstream_timeout',
    }),

    UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt(2000).meta({
      description: 'Bound on connecting to an upstream.',
      nginx: 'proxy_connect_timeout',
    }),
    // 750 ms: a web node answers within REDIS_TIMEOUT_MS (500 ms) even when Redis stalls, so
    // only a node that is itself stuck (or gone) gets near it.
    UPSTREAM_HEADERS_TIMEOUT_MS: positiveInt(750).meta({
      description:
        "Time to the upstream's response headers, per attempt, from the moment the request has been sent (connecting counts too; a client's slow upload does not). Past it the attempt fails (504 `UPSTREAM_TIMEOUT`), counts against the upstream at once, and an idempotent bodiless request goes to the next upstream.",
      nginx: 'proxy_read_timeout (for the first byte)',
    }),
    UPSTREAM_BODY_TIMEOUT_MS: positiveInt(60_000).meta({
      description:
        'Longest silence between two body chunks from the upstream; and longest the upstream may leave a streamed request body unread (then 504 `UPSTREAM_TIMEOUT`, its fault).',
      nginx: 'proxy_read_timeout, proxy_send_timeout',
    }),
    UPSTREAM_IDLE_TIMEOUT_MS: positiveInt(30_000).meta({
      description: 'Idle keep-alive connections to an upstream close after this.',
      nginx: 'keepalive_timeout (in upstream)',
    }),
    UPSTREAM_MAX_CONNECTIONS: positiveInt(256).meta({
      description: 'Connections per upstream at most.',
      nginx: 'keepalive + max_conns',
    }),

    MAX_BODY_BYTES: nonNegativeInt(1024 * 1024).meta({
      description: 'Larger request bodies get 413 `BODY_TOO_LARGE`.',
      nginx: 'client_max_body_size',
    }),
    CLIENT_BODY_BUFFER_BYTES: nonNegativeInt(64 * 1024).meta({
      description:
        'Request bodies up to this many bytes are read whole before an upstream is picked: a slow or stalled client costs no upstream anything, and the body can be sent again on a retry. Larger bodies are streamed (docs/gateway.md, "Request bodies"); 0 streams every body.',
      nginx: 'proxy_request_buffering on, client_body_buffer_size',
    }),
    CLIENT_BODY_TIMEOUT_MS: positiveInt(60_000).meta({
      description:
        "Longest wait for the client's next body bytes, buffered or streamed. Past it: 408 `CLIENT_BODY_TIMEOUT`, the client's fault (never the upstream's).",
      nginx: 'client_body_timeout',
    }),
    CLIENT_HEADER_TIMEOUT_MS: positiveInt(10_000).meta({
      description: 'A client must send its request headers within this (slowloris), else 408.',
      nginx: 'client_header_timeout',
    }),
    CLIENT_KEEPALIVE_TIMEOUT_MS: positiveInt(65_000).meta({
      description: 'Idle keep-alive connections from clients close after this.',
      nginx: 'keepalive_timeout',
    }),
    SHUTDOWN_TIMEOUT_MS: positiveInt(10_000).meta({
      description:
        'After SIGTERM, bound on finishing in-flight requests before connections are cut.',
    }),

    REDIS_URL: optionalRedisUrl.meta({
      description:
        "Redis carrying the web nodes' `hits` events: turns on the live view (`GET /` on `ADMIN_PORT`); unset: off.",
    }),
    LIVE_BATCH_MS: positiveInt(250).meta({
      description:
        'How often the live view pushes a snapshot to each browser (a few per second, not per hit).',
    }),
    LIVE_MAX_CLIENTS: positiveInt(100).meta({
      description: 'Live view connections at most; more get 503 `TOO_MANY_CLIENTS`.',
    }),

    LOG_LEVEL: logLevel,
    ACCESS_LOG: flag(true).meta({
      description:
        'One JSON line per proxied request, at level info (`true`/`false`, `1`/`0`, `yes`/`no`).',
      nginx: 'access_log',
    }),
    ...otelSchema('gateway').shape,
  })
  .superRefine((config, ctx) => {
    // Each worker binds PORT itself (SO_REUSEPORT): port 0 would give each a different port.
    if (config.GATEWAY_WORKERS > 1 && config.PORT === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['PORT'],
        message: 'must be a fixed port (not 0) when GATEWAY_WORKERS > 1',
      });
  });

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

/** Injection token for {@link GatewayConfig}. */
export const GATEWAY_CONFIG = 'GATEWAY:CONFIG';
