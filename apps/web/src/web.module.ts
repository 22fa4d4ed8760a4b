import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsModule, createJsonLogger, loggingModule } from '@app/observability';
import { RedisModule } from '@app/redis';
import type { DestinationStream } from 'pino';
import { WEB_CONFIG, type WebConfig } from './config/web.config';
import { WebErrorFilter } from './errors/web-errors';
import { HealthController } from './health/health.controller';
import { HitPipeline } from './hits/hit.pipeline';
import { HitsController } from './hits/hits.controller';
import { ShutdownState } from './lifecycle/shutdown.state';
import { WebMetrics } from './metrics/web.metrics';

export interface WebModuleOptions {
  /** Where JSON log lines go (stdout by default); tests read them from a stream. */
  logDestination?: DestinationStream;
}

/** The web node, built from an already-validated configuration. */
@Module({})
export class WebModule {
  static forRoot(config: WebConfig, options: WebModuleOptions = {}): DynamicModule {
    return {
      module: WebModule,
      imports: [
        loggingModule({
          logger: createJsonLogger({
            level: config.LOG_LEVEL,
            base: { service: config.OTEL_SERVICE_NAME, node: config.NODE_NAME },
            destination: options.logDestination,
          }),
          quietPaths: ['/health/live', '/health/ready', '/metrics'],
        }),
        TerminusModule.forRoot({ logger: false }),
        MetricsModule.forRoot(),
        RedisModule.forRoot({
          url: config.REDIS_URL,
          connectionName: `web:${config.NODE_NAME}`,
          commandTimeoutMs: config.REDIS_TIMEOUT_MS,
        }),
      ],
      controllers: [HitsController, HealthController],
      providers: [
        { provide: WEB_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: WebErrorFilter },
        WebMetrics,
        HitPipeline,
        ShutdownState,
      ],
    };
  }
}
