import { Controller, Get, Inject } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { UPSTREAM_SOURCE, type UpstreamSource } from '../upstreams/upstream-source';
import type { UpstreamsResponse } from './upstream-view';

@Controller('upstreams')
export class UpstreamsController {
  constructor(
    @Inject(UPSTREAM_SOURCE) private readonly source: UpstreamSource,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** The balancer's live view of every upstream. */
  @Get()
  list(): UpstreamsResponse {
    return {
      balancer: this.config.BALANCER,
      upstreams: this.source.views(),
    };
  }
}
