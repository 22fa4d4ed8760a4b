import type { GatewayConfig } from '../config/gateway.config';
import type { UpstreamRegistry } from '../upstreams/upstream-registry';
import type { HealthCheckResult, Upstream } from '../upstreams/upstream';

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
 */
export class ActiveHealthChecker {
  private timer?: NodeJS.Timeout;
  private readonly running = new Set<Upstream>();

  constructor(
    private readonly registry: UpstreamRegistry,
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
    try {
      const { statusCode, body } = await this.registry.poolOf(upstream).request({
        path: this.config.HEALTH_CHECK_PATH,
        method: 'GET',
        headers: {
          host: `${upstream.spec.hostname}:${upstream.spec.port}`,
          'user-agent': 'observable-cluster-gateway/health',
        },
        headersTimeout: this.config.HEALTH_CHECK_TIMEOUT_MS,
        bodyTimeout: this.config.HEALTH_CHECK_TIMEOUT_MS,
        signal: AbortSignal.timeout(this.config.HEALTH_CHECK_TIMEOUT_MS),
      });
      await body.dump();
      return { at, ok: statusCode >= 200 && statusCode < 300, status: statusCode };
    } catch (err) {
      return { at, ok: false, error: (err as Error).message };
    }
  }
}
