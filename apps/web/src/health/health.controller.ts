import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { RedisHealthIndicator } from '@app/redis';
import { ShutdownState } from '../lifecycle/shutdown.state';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  /** The process is up and its event loop turns; never depends on Redis (no restart loops). */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Ready to count hits: Redis answers PING in time and the node is not draining. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.shutdown.check(), () => this.redis.pingCheck()]);
  }
}
