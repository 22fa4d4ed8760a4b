import { Client, errors } from 'undici';
import type { GatewayConfig } from '../config/gateway.config';
import type { HealthCheckResult, Upstream } from '../upstreams/upstream';

/** Who the checker checks: the upstreams in rotation (the registry is one). */
export interface CheckedUpstreams {
  readonly upstreams: readonly Upstream[];
}

type CheckConfig = Pick<
  GatewayConfig,
  | 'HEALTH_CHECK_PATH'
  | 'HEALTH_CHECK_INTERVAL_MS'
  | 'HEALTH_CHECK_TIMEOUT_MS'
  | 'HEALTH_CHECK_FAILS'
  | 'HEALTH_CHECK_PASSES'
>;

/**
 * Active health checks (what nginx Plus' `health_check` does, and OSS nginx cannot):
 * `GET <upstream><HEALTH_CHECK_PATH>` every interval; a 2xx within the timeout passes.
 * HEALTH_CHECK_FAILS failures in a row eject the upstream, HEALTH_CHECK_PASSES passes in a row
 * re-admit it. A web node that starts draining answers 503 on /health/ready, so it leaves the
 * rotation before it stops accepting connections.
 *
 * Each check has a connection of its own (as nginx's and Envoy's do), closed after it: the
 * timeout covers connecting, and a check never waits behind traffic in the upstream's pool.
 * Through the pool, a check of a vanished address (a killed container: connects hang) took
 * UPSTREAM_CONNECT_TIMEOUT_MS, not HEALTH_CHECK_TIMEOUT_MS, and its abort signal did not end
 * the connect, so re-admission after a restart took seconds longer (docs/operations.md).
 */
export class ActiveHealthChecker {
  private timer?: NodeJS.Timeout;
  private readonly running = new Set<Upstream>();

  constructor(
    private readonly registry: CheckedUpstreams,
    private readonly config: CheckConfig,
  ) {}

  start(): void {
    if (this.config.HEALTH_CHECK_INTERVAL_MS === 0) return;
    this.timer = setInterval(() => void this.checkAll(), this.config.HEALTH_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round over every upstream; an upstream whose last check is still running is skipped. */
  async checkAll(): Promise<void> {
    await Promise.all(
      this.registry.upstreams.map(async (upstream) => {
        if (this.running.has(upstream)) return;
        this.running.add(upstream);
        try {
          const result = await this.check(upstream);
          upstream.checked(result, this.config.HEALTH_CHECK_FAILS, this.config.HEALTH_CHECK_PASSES);
        } finally {
          this.running.delete(upstream);
        }
      }),
    );
  }

  private async check(upstream: Upstream): Promise<HealthCheckResult> {
    const at = new Date().toISOString();
    const timeoutMs = this.config.HEALTH_CHECK_TIMEOUT_MS;
    const client = new Client(upstream.origin, {
      connectTimeout: timeoutMs,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    // One deadline for the whole check, connecting included: destroying the client ends a
    // connect in progress too.
    const timer = setTimeout(
      () => void client.destroy(new errors.HeadersTimeoutError(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const { statusCode, body } = await client.request({
        path: this.config.HEALTH_CHECK_PATH,
        method: 'GET',
        headers: {
          host: `${upstream.spec.hostname}:${upstream.spec.port}`,
          'user-agent': 'observable-cluster-gateway/health',
          connection: 'close',
        },
      });
      await body.dump();
      return { at, ok: statusCode >= 200 && statusCode < 300, status: statusCode };
    } catch (err) {
      return { at, ok: false, error: (err as Error).message };
    } finally {
      clearTimeout(timer);
      void client.destroy();
    }
  }
}
