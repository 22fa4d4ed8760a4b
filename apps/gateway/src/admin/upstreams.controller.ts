import { Controller, Get, Inject } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { GatewayCore } from '../gateway.core';
import { type UpstreamView, upstreamView } from './upstream-view';

@Controller('upstreams')
export class UpstreamsController {
  constructor(
    private readonly core: GatewayCore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** The balancer's live view of every upstream. */
  @Get()
  list(): { balancer: string; upstreams: UpstreamView[] } {
    return {
      balancer: this.config.BALANCER,
      upstreams: this.core.registry.upstreams.map(upstreamView),
    };
  }
}
