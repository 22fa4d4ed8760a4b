import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { type Balancer, createBalancer } from './balancer/balancer';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { GATEWAY_ACCESS_LOG, GATEWAY_RESOLVER } from './gateway.constants';
import { ActiveHealthChecker } from './health/active-health';
import { GatewayMetrics } from './metrics/gateway.metrics';
import type { Logger as PinoLogger } from 'pino';
import { noAccessLog, pinoAccessLog } from './proxy/access-log';
import { DataPlane } from './proxy/data-plane';
import { DrainState } from './proxy/drain-state';
import { ProxyHandler } from './proxy/proxy';
import type { EjectionReason, Upstream, UpstreamEvents } from './upstreams/upstream';
import { type Resolver, UpstreamRegistry } from './upstreams/upstream-registry';
import { tracingDisabled } from '@app/observability/otel-config';
import { type UpstreamView, upstreamView } from './admin/upstream-view';
import type { UpstreamSource } from './upstreams/upstream-source';

/**
 * The data plane's parts, built once from the configuration, and their lifecycle under Nest:
 * resolve upstreams → start health checks → listen (bootstrap); drain (before shutdown);
 * close upstream pools (shutdown). Nest serves only the admin plane.
 */
@Injectable()
export class GatewayCore
  implements
    OnApplicationBootstrap,
    BeforeApplicationShutdown,
    OnApplicationShutdown,
    UpstreamSource
{
  readonly registry: UpstreamRegistry;
  readonly balancer: Balancer;
  readonly drain = new DrainState();
  readonly dataPlane: DataPlane;
  private readonly checker: ActiveHealthChecker;
  private readonly logger = new Logger('Gateway');
  private drainedInTime = true;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_RESOLVER) resolver: Resolver,
    metrics: GatewayMetrics,
    @Inject(GATEWAY_ACCESS_LOG) accessLogger: PinoLogger | undefined,
  ) {
    const events: UpstreamEvents = {
      ejected: (upstream: Upstream, reason: EjectionReason) => {
        metrics.ejected(upstream, reason);
        this.logger.warn(`upstream ${upstream.id} ejected (${reason} health check)`);
      },
      readmitted: (upstream: Upstream, reason: EjectionReason) => {
        this.logger.log(`upstream ${upstream.id} back in rotation (${reason})`);
      },
      attemptFailed: (upstream: Upstream, error: string) => metrics.attemptFailed(upstream, error),
    };
    this.registry = new UpstreamRegistry(config.UPSTREAMS, config, resolver, events, {
      changed: (upstreams) => {
        metrics.track(upstreams);
        this.logger.log(
          `upstreams: ${upstreams.map((u) => `${u.id} weight=${u.weight}`).join(', ')}`,
        );
      },
      resolveFailed: (spec, err) =>
        this.logger.warn(
          `cannot resolve ${spec.hostname}: ${err.message}; keeping last known addresses`,
        ),
    });
    this.balancer = createBalancer(config.BALANCER);
    this.checker = new ActiveHealthChecker(this.registry, config);
    const proxy = new ProxyHandler(
      config,
      this.registry,
      this.balancer,
      metrics,
      tracingDisabled(config) ? undefined : trace.getTracer('observable-cluster-gateway'),
      this.drain,
      accessLogger ? pinoAccessLog(accessLogger) : noAccessLog,
    );
    this.dataPlane = new DataPlane(config, proxy, this.drain);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.registry.start();
    this.checker.start();
    await this.dataPlane.listen();
    this.logger.log(`data plane listening on ${this.dataPlane.url} (${this.config.BALANCER})`);
  }

  /** Runs before Nest closes the admin listener: readiness is 503 while we drain. */
  async beforeApplicationShutdown(): Promise<void> {
    this.checker.stop();
    this.drainedInTime = await this.dataPlane.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await (this.drainedInTime ? this.registry.close() : this.registry.destroy());
  }

  get drained(): boolean {
    return this.drainedInTime;
  }

  views(): UpstreamView[] {
    return this.registry.upstreams.map(upstreamView);
  }

  get draining(): boolean {
    return this.drain.active;
  }
}
