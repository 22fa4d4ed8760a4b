import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import {
  type MetricsRegistry,
  MetricsModule,
  type MetricsSource,
  createJsonLogger,
  loggingModule,
} from '@app/observability';
import type { DestinationStream } from 'pino';
import { APP_FILTER } from '@nestjs/core';
import { AdminErrorFilter } from './admin/admin-errors.filter';
import { AdminHealthController } from './admin/admin-health.controller';
import { UpstreamsController } from './admin/upstreams.controller';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { GATEWAY_ACCESS_LOG, GATEWAY_RESOLVER } from './gateway.constants';
import { GatewayCore } from './gateway.core';
import { LiveController } from './live/live.controller';
import { LiveFeed } from './live/live-feed';
import { GatewayMetrics } from './metrics/gateway.metrics';
import { type Resolver, systemResolver } from './upstreams/upstream-registry';
import { UPSTREAM_SOURCE, type UpstreamSource } from './upstreams/upstream-source';

export interface GatewayModuleOptions {
  /** Host-name resolver; the system's DNS by default. */
  resolver?: Resolver;
  logDestination?: DestinationStream;
  /**
   * `single` (default): admin plane and data plane in one process. With GATEWAY_WORKERS > 1,
   * `primary`: the admin plane only, showing what the workers report (`upstreamSource`,
   * `metricsSource`); `worker`: the data plane only.
   */
  role?: 'single' | 'primary' | 'worker';
  upstreamSource?: UpstreamSource;
  metricsSource?: (registry: MetricsRegistry) => MetricsSource;
}

/** The gateway: Nest hosts the admin plane and the data plane's lifecycle. */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, options: GatewayModuleOptions = {}): DynamicModule {
    const logger = createJsonLogger({
      level: config.LOG_LEVEL,
      base: { service: config.OTEL_SERVICE_NAME },
      destination: options.logDestination,
    });
    const role = options.role ?? 'single';
    const admin = role !== 'worker';
    const dataPlane = role !== 'primary';
    return {
      module: GatewayModule,
      imports: [
        loggingModule({
          logger,
          quietPaths: ['/health/live', '/health/ready', '/metrics', '/upstreams', '/events'],
        }),
        TerminusModule.forRoot({ logger: false }),
        MetricsModule.forRoot({ source: options.metricsSource }),
      ],
      controllers: admin ? [AdminHealthController, UpstreamsController, LiveController] : [],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: AdminErrorFilter },
        GatewayMetrics,
        ...(dataPlane
          ? [
              { provide: GATEWAY_RESOLVER, useValue: options.resolver ?? systemResolver },
              // One line per proxied request, like nginx's access_log; ACCESS_LOG=false turns it off.
              {
                provide: GATEWAY_ACCESS_LOG,
                useValue: config.ACCESS_LOG ? logger.child({ log: 'access' }) : undefined,
              },
              GatewayCore,
              { provide: UPSTREAM_SOURCE, useExisting: GatewayCore },
            ]
          : [{ provide: UPSTREAM_SOURCE, useValue: options.upstreamSource }]),
        // The live view (and its hit-event subscriber) lives where the admin plane does.
        ...(admin ? [LiveFeed] : []),
      ],
    };
  }
}
