import { Controller, type DynamicModule, Get, Headers, Module, Res } from '@nestjs/common';
import { sendResponse } from '../http-reply';
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
