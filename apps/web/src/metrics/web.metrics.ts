import { Inject, Injectable } from '@nestjs/common';
import { HTTP_DURATION_BUCKETS, METRICS_REGISTRY } from '@app/observability';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type Redis from 'ioredis';
import { REDIS_CLIENT } from '@app/redis';
import { HITS_CHANNEL } from '@app/hit-events';
import { WEB_CONFIG, type WebConfig } from '../config/web.config';

/** Every metric the web node defines beyond process and HTTP server metrics. */
@Injectable()
export class WebMetrics {
  /** Hits counted by this node; children pre-created so the series exists from the start. */
  readonly hits: Counter<'node'>;
  readonly hitEventsPublished: Counter<'channel'>;
  readonly hitEventsFailed: Counter<'channel' | 'reason'>;
  readonly redisCommandDuration: Histogram<'command' | 'outcome'>;
  readonly hitsNotCounted: Counter<'reason'>;

  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(WEB_CONFIG) config: WebConfig,
    @Inject(REDIS_CLIENT) redis: Redis,
  ) {
    const registers = [registry];
    this.hits = new Counter({
      name: 'web_hits_total',
      help: 'Page hits counted in Redis by this node.',
      labelNames: ['node'],
      registers,
    });
    this.hits.inc({ node: config.NODE_NAME }, 0);
    this.hitEventsPublished = new Counter({
      name: 'web_hit_events_published_total',
      help: 'Hit events published on the Redis channel (in the same round trip as the count).',
      labelNames: ['channel'],
      registers,
    });
    this.hitEventsFailed = new Counter({
      name: 'web_hit_events_failed_total',
      help: 'Hits whose count and event failed together because Redis did not run the script.',
      labelNames: ['channel', 'reason'],
      registers,
    });
    // Present from the start (at 0): a failure rate panel shows 0, not "no data".
    this.hitEventsFailed.inc({ channel: HITS_CHANNEL, reason: 'redis' }, 0);
    this.hitEventsPublished.inc({ channel: HITS_CHANNEL }, 0);
    new Gauge({
      name: 'web_redis_up',
      help: '1 while this node has a ready connection to Redis, else 0.',
      registers,
      collect() {
        this.set(redis.status === 'ready' ? 1 : 0);
      },
    });
    this.hitsNotCounted = new Counter({
      name: 'web_hits_not_counted_total',
      help: 'GET / requests answered without counting, by reason (deadline: the request deadline passed before Redis could count it, answered 504; replayed: a retry of a hit already counted under the same Idempotency-Key, answered 200 with that count).',
      labelNames: ['reason'],
      registers,
    });
    this.hitsNotCounted.inc({ reason: 'deadline' }, 0);
    this.hitsNotCounted.inc({ reason: 'replayed' }, 0);
    this.redisCommandDuration = new Histogram({
      name: 'web_redis_command_duration_seconds',
      help: 'Round-trip time of Redis commands issued by the web node.',
      labelNames: ['command', 'outcome'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
  }
}
