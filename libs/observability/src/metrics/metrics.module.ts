import { Controller, type DynamicModule, Get, Headers, Module, Res } from '@nestjs/common';
import type { Response } from 'express';
import { METRICS_REGISTRY } from './metrics.constants';
import {
  type MetricsRegistry,
  MetricsRenderer,
  createMetricsRegistry,
  negotiateMetricsFormat,
} from './registry';

@Controller('metrics')
class MetricsController {
  constructor(private readonly renderer: MetricsRenderer) {}

  @Get()
  async scrape(@Headers('accept') accept: string | undefined, @Res() res: Response) {
    const { contentType, body } = await this.renderer.render(negotiateMetricsFormat(accept));
    // setHeader, not res.type(): express would reorder the media type's parameters.
    res.status(200).setHeader('Content-Type', contentType);
    res.end(body);
  }
}

/**
 * One prom-client registry per app instance ({@link METRICS_REGISTRY}) and `GET /metrics`,
 * answering OpenMetrics (with exemplars) when the scraper asks for it.
 */
@Module({})
export class MetricsModule {
  static forRoot(): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [
        { provide: METRICS_REGISTRY, useFactory: createMetricsRegistry },
        {
          provide: MetricsRenderer,
          useFactory: (registry: MetricsRegistry) => new MetricsRenderer(registry),
          inject: [METRICS_REGISTRY],
        },
      ],
      exports: [METRICS_REGISTRY],
    };
  }
}
