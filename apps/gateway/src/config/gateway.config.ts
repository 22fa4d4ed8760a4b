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
 * once, exit 1). Timeouts are in milliseconds; nginx's equivalent is named where there is one.
 */
export const gatewayConfigSchema = z
  .object({
    /** Data plane: the proxied traffic. */
    PORT: port(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    /**
     * Data plane processes (nginx `worker_processes`): 1 runs everything in one process; N > 1 or
     * `auto` (one per core) forks N data plane workers sharing PORT, the primary keeping the
     * admin plane (docs/gateway.md, "Workers"). On this project's 2-core machine one process
     * measures better (docs/performance.md), hence the default.
     */
    GATEWAY_WORKERS: z
      .union([z.literal('auto'), z.coerce.number().int().min(1).max(64)], {
        error: 'must be a whole number from 1 to 64, or auto',
      })
      .default(1)
      .transform((value) => (value === 'auto' ? availableParallelism() : value)),
    /** Admin plane: health, metrics, /upstreams. Loopback by default: never public. */
    ADMIN_PORT: port(8081),
    ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
    UPSTREAMS: upstreams,
    /** `round_robin` (smooth weighted, nginx's default) or `least_conn`. */
    BALANCER: z.enum(['round_robin', 'least_conn']).default('round_robin'),
    /** How often a host name in UPSTREAMS is re-resolved (new addresses join, gone ones leave). */
    DNS_REFRESH_MS: positiveInt(5000),

    /** Active checks: GET <upstream><path> every interval; 0 turns them off. */
    HEALTH_CHECK_PATH: z.string().startsWith('/').default('/health/ready'),
    HEALTH_CHECK_INTERVAL_MS: nonNegativeInt(1000),
    HEALTH_CHECK_TIMEOUT_MS: positiveInt(1000),
    /** Consecutive failed checks that eject an upstream / passed checks that re-admit it. */
    HEALTH_CHECK_FAILS: positiveInt(2),
    HEALTH_CHECK_PASSES: positiveInt(2),

    /**
     * Latency outliers: an upstream whose time to response headers stays above this many times
     * its peers' median (and above OUTLIER_MIN_LATENCY_MS) is ejected for its fail_timeout.
     * 0 turns it off.
     */
    OUTLIER_LATENCY_FACTOR: nonNegativeInt(10),
    OUTLIER_MIN_LATENCY_MS: positiveInt(100),

    /** Attempts per request, the first included (proxy_next_upstream_tries). */
    RETRY_TRIES: positiveInt(3),
    /** The request's deadline: bound on all its attempts together (proxy_next_upstream_timeout). */
    RETRY_TIMEOUT_MS: positiveInt(10_000),

    /** proxy_connect_timeout */
    UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt(2000),
    /**
     * Time to the upstream's response headers, per attempt, from dispatch (connecting included;
     * proxy_read_timeout for the first byte). Past it the attempt fails (504 UPSTREAM_TIMEOUT),
     * counts against the upstream at once, and an idempotent bodiless request goes to the next
     * upstream. 750 ms: a web node answers in milliseconds, and within REDIS_TIMEOUT_MS (500 ms)
     * even when Redis stalls, so only a node that is itself stuck (or gone) gets near it.
     */
    UPSTREAM_HEADERS_TIMEOUT_MS: positiveInt(750),
    /**
     * Longest silence between two body chunks from the upstream (proxy_read_timeout); and
     * longest the upstream may leave a streamed request body unread (proxy_send_timeout).
     */
    UPSTREAM_BODY_TIMEOUT_MS: positiveInt(60_000),
    /** Idle keep-alive connections to an upstream close after this (upstream keepalive_timeout). */
    UPSTREAM_IDLE_TIMEOUT_MS: positiveInt(30_000),
    /** Connections per upstream at most (upstream keepalive + max_conns). */
    UPSTREAM_MAX_CONNECTIONS: positiveInt(256),

    /** client_max_body_size: larger request bodies get 413. */
    MAX_BODY_BYTES: nonNegativeInt(1024 * 1024),
    /**
     * Request bodies up to this many bytes are read whole before an upstream is picked (nginx
     * proxy_request_buffering on; client_body_buffer_size): a slow or stalled client costs no
     * upstream anything, and the body can be sent again on a retry. Larger bodies are streamed
     * (docs/gateway.md, "Request bodies"); 0 streams every body.
     */
    CLIENT_BODY_BUFFER_BYTES: nonNegativeInt(64 * 1024),
    /**
     * client_body_timeout: longest wait for the client's next body bytes, buffered or streamed.
     * Past it: 408 CLIENT_BODY_TIMEOUT, the client's fault (never the upstream's).
     */
    CLIENT_BODY_TIMEOUT_MS: positiveInt(60_000),
    /** client_header_timeout: a client must send its headers within this (slowloris). */
    CLIENT_HEADER_TIMEOUT_MS: positiveInt(10_000),
    /** keepalive_timeout towards clients. */
    CLIENT_KEEPALIVE_TIMEOUT_MS: positiveInt(65_000),
    /** After SIGTERM, bound on finishing in-flight requests before connections are cut. */
    SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),

    /** Redis carrying the web nodes' `hits` events: turns on the live view (GET / on ADMIN_PORT). */
    REDIS_URL: optionalRedisUrl,
    /** How often the live view pushes a snapshot to each browser (a few per second, not per hit). */
    LIVE_BATCH_MS: positiveInt(250),
    /** Live view connections at most; more get 503. */
    LIVE_MAX_CLIENTS: positiveInt(100),

    LOG_LEVEL: logLevel,
    /** One JSON line per proxied request (nginx access_log), at level info. */
    ACCESS_LOG: flag(true),
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
