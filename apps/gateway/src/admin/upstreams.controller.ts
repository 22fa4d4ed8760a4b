import { Controller, Get, Inject } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { GatewayCore } from '../gateway.core';
import type { HealthCheckResult } from '../upstreams/upstream';

export interface UpstreamView {
  id: string;
  url: string;
  address: string;
  weight: number;
  state: 'up' | 'down';
  reason: 'passive' | 'active' | null;
  inFlight: number;
  requests: number;
  failures: number;
  ejections: number;
  lastCheck: HealthCheckResult | null;
}

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
      upstreams: this.core.registry.upstreams.map((u) => ({
        id: u.id,
        url: u.spec.url,
        address: u.address,
        weight: u.weight,
        state: u.state,
        reason: u.downReason ?? null,
        inFlight: u.inFlight,
        requests: u.requests,
        failures: u.failures,
        ejections: u.ejections,
        lastCheck: u.lastCheck ?? null,
      })),
    };
  }
}
