import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { GatewayCore } from '../gateway.core';

@Controller('health')
export class AdminHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly core: GatewayCore,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Ready while not draining and at least one upstream is in rotation. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => {
        const check = this.indicator.check('shutdown');
        return this.core.drain.active
          ? check.down({ message: 'draining before shutdown' })
          : check.up();
      },
      () => {
        const check = this.indicator.check('upstreams');
        const all = this.core.registry.upstreams;
        const up = all.filter((u) => u.state === 'up').length;
        return up > 0 ? check.up({ up, total: all.length }) : check.down({ up, total: all.length });
      },
    ]);
  }
}
