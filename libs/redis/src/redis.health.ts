import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { REDIS_CLIENT } from './redis.constants';

/** Up when Redis answers PING within the client's command timeout. Never throws. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS_CLIENT) private readonly client: Redis,
    private readonly health: HealthIndicatorService,
  ) {}

  async pingCheck(key = 'redis') {
    const check = this.health.check(key);
    if (this.client.status !== 'ready') {
      return check.down({ message: `not connected (${this.client.status})` });
    }
    try {
      await this.client.ping();
      return check.up();
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  }
}
