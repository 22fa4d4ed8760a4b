import { Controller, type DynamicModule, Get, Headers, Inject, Module, Res } from '@nestjs/common';
import { sendResponse } from '../http-reply';
import { METRICS_REGISTRY } from './metrics.constants';
import {
  type MetricsFormat,
  type MetricsRegistry,
  MetricsRenderer,
  createMetricsRegistry,
  negotiateMetricsFormat,
} from './registry';

/** Renders `GET /metrics` (MetricsRenderer, or an app's own: the gateway's cluster primary). */
export interface MetricsSource {
  render(format: MetricsFormat): Promise<{ contentType: string; body: string }>;
}

const METRICS_SOURCE = 'OBSERVABILITY:METRICS_SOURCE';

@Controller('metrics')
class MetricsController {
  constructor(@Inject(METRICS_SOURCE) private readonly renderer: MetricsSource) {}

  @Get()
  async scrape(@Headers('accept') accept: string | undefined, @Res() res: unknown) {
    const { contentType, body } = await this.renderer.render(negotiateMetricsFormat(accept));
    sendResponse(res, 200, { 'content-type': contentType }, body);
  }
}

/**
 * One prom-client registry per app instance ({@link METRICS_REGISTRY}) and `GET /metrics`,
 * answering OpenMetrics (with exemplars) when the scraper asks for it.
 */
@Module({})
export class MetricsModule {
  static forRoot(
    options: { source?: (registry: MetricsRegistry) => MetricsSource } = {},
  ): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [
        { provide: METRICS_REGISTRY, useFactory: createMetricsRegistry },
        {
          provide: METRICS_SOURCE,
          useFactory: (registry: MetricsRegistry) =>
            options.source ? options.source(registry) : new MetricsRenderer(registry),
          inject: [METRICS_REGISTRY],
        },
      ],
      exports: [METRICS_REGISTRY],
    };
  }
}
