import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { UPSTREAM_SOURCE, type UpstreamSource } from '../upstreams/upstream-source';

@Controller('health')
export class AdminHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(UPSTREAM_SOURCE) private readonly source: UpstreamSource,
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
        return this.source.draining
          ? check.down({ message: 'draining before shutdown' })
          : check.up();
      },
      () => {
        const check = this.indicator.check('upstreams');
        const all = this.source.views();
        const up = all.filter((u) => u.state === 'up').length;
        return up > 0 ? check.up({ up, total: all.length }) : check.down({ up, total: all.length });
      },
    ]);
  }
}
