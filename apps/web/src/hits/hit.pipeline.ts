import { Inject, Injectable } from '@nestjs/common';
import {
  COUNTER_KEY,
  HITS_BY_NODE_KEY,
  HITS_CHANNEL,
  HIT_ID_KEY_PREFIX,
  type HitEventTemplate,
  type HitTotals,
  hitEventTemplate,
  readHitTotals,
} from '@app/hit-events';
import { activeTraceIds, endSpan, startClientSpan } from '@app/observability';
import { type Attributes, type Tracer, trace } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import { REDIS_CLIENT } from '@app/redis';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import type { Counter, Histogram } from 'prom-client';
import { WEB_CONFIG, type WebConfig } from '../config/web.config';
import { WebError, fromRedisError } from '../errors/web-errors';
import { WebMetrics } from '../metrics/web.metrics';

/**
 * One hit, atomically and in one round trip: count it, count it for this node, publish the
 * event carrying the count just assigned — unless its deadline passed, judged by Redis' own
 * clock when the script runs: a command that waited in a stalled Redis (or behind a frozen
 * node) must not count a hit whose client was already told it was not counted. A script (not
 * MULTI) because the event must embed the value INCR returns, and the deadline must be checked
 * where the count happens. The channel is an argument, not a key: PUBLISH is not key-bound.
 *
 * With an idempotency key (KEYS[3] not empty) the script also records, in the same atomic
 * step, that this key was counted and what it answered (`<count> <node>`, for ARGV[6] ms); a
 * second request with the key (the gateway's retry after a lost reply) gets that record back
 * and nothing is counted or published (issue #24, docs/reliability.md).
 *
 * KEYS[1] counter, KEYS[2] hits:by-node, KEYS[3] hits:id:<key> or ''; ARGV[1] node,
 * ARGV[2] channel, ARGV[3] event prefix, ARGV[4] event suffix, ARGV[5] deadline (epoch ms,
 * margin taken off), ARGV[6] retention (ms).
 * Returns {count, receivers}; {-1, 0} when the deadline had passed (nothing written);
 * {-2, 0, '<count> <node>'} for a key already counted (nothing written).
 * Shown as is in docs/architecture.md (`npm run docs`).
 */
export const HIT_SCRIPT = `
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[5]) then
  return {-1, 0}
end
local idKey = KEYS[3]
if idKey ~= '' then
  local seen = redis.call('GET', idKey)
  if seen then return {-2, 0, seen} end
end
local count = redis.call('INCR', KEYS[1])
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
if idKey ~= '' then redis.call('SET', idKey, count .. ' ' .. ARGV[1], 'PX', ARGV[6]) end
local receivers = redis.call('PUBLISH', ARGV[2], ARGV[3] .. count .. ARGV[4])
return {count, receivers}
`;

/** What one GET / answers: the count and the node that counted it (for a replay: the first). */
export interface Hit {
  count: number;
  node: string;
  /** A retry of a hit already counted under its idempotency key: nothing was counted now. */
  replayed: boolean;
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    observableClusterHit(
      counterKey: string,
      byNodeKey: string,
      idKey: string,
      node: string,
      channel: string,
      eventPrefix: string,
      eventSuffix: string,
      deadlineMs: number,
      retentionMs: number,
    ): Result<[count: number, receivers: number, seen?: string], Context>;
  }
}

@Injectable()
export class HitPipeline {
  private readonly node: string;
  private readonly template: HitEventTemplate;
  private readonly tracer: Tracer = trace.getTracer('observable-cluster-web');
  /** The Redis client span's attributes (DB semconv), the same for every hit. */
  private readonly spanAttributes: Attributes;
  // Metric children resolved once: the hot path does no label lookups.
  private readonly hitCounted: Counter.Internal;
  private readonly eventPublished: Counter.Internal;
  private readonly eventFailed: Counter.Internal;
  private readonly hitOk: Histogram.Internal<'command' | 'outcome'>;
  private readonly hitError: Histogram.Internal<'command' | 'outcome'>;
  private readonly totalsOk: Histogram.Internal<'command' | 'outcome'>;
  private readonly totalsError: Histogram.Internal<'command' | 'outcome'>;
  private readonly deadlineExceeded: Counter.Internal;
  private readonly replayed: Counter.Internal;
  private readonly retentionMs: number;
  private readonly redisTimeoutMs: number;
  private readonly marginMs: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(WEB_CONFIG) config: WebConfig,
    metrics: WebMetrics,
  ) {
    this.node = config.NODE_NAME;
    this.template = hitEventTemplate(this.node);
    this.spanAttributes = redisSpanAttributes(config.REDIS_URL, 'EVALSHA');
    this.redisTimeoutMs = config.REDIS_TIMEOUT_MS;
    this.marginMs = config.DEADLINE_MARGIN_MS;
    this.retentionMs = config.IDEMPOTENCY_TTL_MS;
    this.deadlineExceeded = metrics.hitsNotCounted.labels({ reason: 'deadline' });
    this.replayed = metrics.hitsNotCounted.labels({ reason: 'replayed' });
    // ioredis sends EVALSHA and falls back to EVAL after NOSCRIPT (e.g. a restarted Redis).
    redis.defineCommand('observableClusterHit', { numberOfKeys: 3, lua: HIT_SCRIPT });
    this.hitCounted = metrics.hits.labels({ node: this.node });
    this.eventPublished = metrics.hitEventsPublished.labels({ channel: HITS_CHANNEL });
    this.eventFailed = metrics.hitEventsFailed.labels({ channel: HITS_CHANNEL, reason: 'redis' });
    this.hitOk = metrics.redisCommandDuration.labels({ command: 'hit_script', outcome: 'ok' });
    this.hitError = metrics.redisCommandDuration.labels({
      command: 'hit_script',
      outcome: 'error',
    });
    this.totalsOk = metrics.redisCommandDuration.labels({ command: 'read_totals', outcome: 'ok' });
    this.totalsError = metrics.redisCommandDuration.labels({
      command: 'read_totals',
      outcome: 'error',
    });
  }

  /**
   * Count one hit; resolves to the counter's new value and this node. With `idempotencyKey`,
   * a key already counted resolves to that first count and node instead (`replayed`), counting
   * nothing. Rejects with a {@link WebError}: DEADLINE_EXCEEDED when `deadline` (epoch ms,
   * from the caller) or the node's own Redis bound passed — then nothing was counted, before
   * Redis or inside the script.
   */
  async record(deadline?: number, idempotencyKey?: string): Promise<Hit> {
    const now = Date.now();
    const redisBound = now + this.redisTimeoutMs;
    const countBy =
      (deadline === undefined ? redisBound : Math.min(deadline, redisBound)) - this.marginMs;
    if (now > countBy) {
      this.deadlineExceeded.inc();
      throw new WebError('DEADLINE_EXCEEDED');
    }
    const suffix = this.template.suffix(
      new Date().toISOString(),
      activeTraceIds()?.traceId ?? null,
    );
    const started = performance.now();
    // ioredis sends EVALSHA (EVAL once after a NOSCRIPT): one span for the hit's round trip.
    const span = startClientSpan(this.tracer, 'EVALSHA', this.spanAttributes);
    let count: number;
    let seen: string | undefined;
    try {
      [count, , seen] = await this.redis.observableClusterHit(
        COUNTER_KEY,
        HITS_BY_NODE_KEY,
        idempotencyKey === undefined ? '' : HIT_ID_KEY_PREFIX + idempotencyKey,
        this.node,
        HITS_CHANNEL,
        this.template.prefix,
        suffix,
        countBy,
        this.retentionMs,
      );
    } catch (err) {
      this.hitError.observe((performance.now() - started) / 1000);
      this.eventFailed.inc();
      if (span) endSpan(span, err);
      throw fromRedisError(err);
    }
    span?.end();
    this.hitOk.observe((performance.now() - started) / 1000);
    if (count === -1) {
      // Redis ran the script after the deadline: nothing was counted or published.
      this.deadlineExceeded.inc();
      throw new WebError('DEADLINE_EXCEEDED');
    }
    if (seen !== undefined) {
      // Counted before under this key (its reply was lost): the same answer, nothing counted.
      this.replayed.inc();
      const space = seen.indexOf(' ');
      return { count: Number(seen.slice(0, space)), node: seen.slice(space + 1), replayed: true };
    }
    this.hitCounted.inc();
    this.eventPublished.inc();
    return { count, node: this.node, replayed: false };
  }

  /** The authoritative totals, read together in one MULTI so they agree with each other. */
  async totals(): Promise<HitTotals> {
    const started = performance.now();
    try {
      const totals = await readHitTotals(this.redis);
      this.totalsOk.observe((performance.now() - started) / 1000);
      return totals;
    } catch (err) {
      this.totalsError.observe((performance.now() - started) / 1000);
      throw fromRedisError(err);
    }
  }
}

/** DB semantic conventions for a Redis command span (`db.system.name` "redis"). */
function redisSpanAttributes(url: string, operation: string): Attributes {
  const parsed = new URL(url);
  return {
    [ATTR_DB_SYSTEM_NAME]: 'redis',
    [ATTR_DB_OPERATION_NAME]: operation,
    [ATTR_DB_NAMESPACE]: parsed.pathname.slice(1) || '0',
    [ATTR_SERVER_ADDRESS]: parsed.hostname,
    [ATTR_SERVER_PORT]: Number(parsed.port || 6379),
  };
}
