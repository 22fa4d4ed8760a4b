import type { ServerResponse } from 'node:http';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HITS_CHANNEL, type HitTotals, parseHitEvent, readHitTotals } from '@app/hit-events';
import { closeRedisClient, createRedisClient } from '@app/redis';
import Redis from 'ioredis';
import type { UpstreamView } from '../admin/upstream-view';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { UPSTREAM_SOURCE, type UpstreamSource } from '../upstreams/upstream-source';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { type LiveSnapshot, LiveView } from './live-view';
import { SseHub, sseMessage } from './sse-hub';

export interface LiveState {
  at: string;
  /** Off when the gateway has no REDIS_URL. */
  enabled: boolean;
  /** The subscriber connection is up (events may be missed while it is not). */
  connected: boolean;
  live: LiveSnapshot;
  /** `counter` and `hits:by-node` as Redis has them (null until read, or while Redis is down). */
  authoritative: HitTotals | null;
  invalid: number;
  upstreams: UpstreamView[];
}

const HEARTBEAT_MS = 15_000;
const TOTALS_POLL_MS = 1000;

/**
 * The live traffic view's data: ONE subscriber connection to the `hits` channel, every message
 * validated with the shared parser (invalid ones counted and dropped), a rolling per-node view,
 * the authoritative totals polled from the counter keys, and the upstreams' state — pushed to
 * every open /events stream a few times a second, never once per hit.
 */
@Injectable()
export class LiveFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly view = new LiveView();
  private readonly hub: SseHub;
  private readonly logger = new Logger('LiveFeed');
  private subscriber?: Redis;
  private reader?: Redis;
  private connected = false;
  private authoritative: HitTotals | null = null;
  private invalid = 0;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(UPSTREAM_SOURCE) private readonly source: UpstreamSource,
    private readonly metrics: GatewayMetrics,
  ) {
    this.hub = new SseHub(config.LIVE_MAX_CLIENTS, { dropped: () => metrics.liveDropped.inc() });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.every(this.config.LIVE_BATCH_MS, () => {
      if (this.hub.size > 0) this.hub.broadcast(sseMessage('snapshot', this.state()));
    });
    this.every(HEARTBEAT_MS, () => this.hub.heartbeat());
    const url = this.config.REDIS_URL;
    if (!url) return;

    // Subscriber mode needs its own connection. It queues SUBSCRIBE until connected and
    // re-subscribes by itself after every reconnection (Redis restarts included).
    this.subscriber = new Redis(url, {
      connectionName: 'gateway:live-subscriber',
      autoResubscribe: true,
      retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    });
    this.subscriber.on('ready', () => {
      this.connected = true;
      this.logger.log(`subscribed to "${HITS_CHANNEL}"`);
    });
    this.subscriber.on('close', () => (this.connected = false));
    this.subscriber.on('error', () => (this.connected = false));
    this.subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) =>
      this.receive(message),
    );
    await this.subscriber.subscribe(HITS_CHANNEL).catch(() => undefined);

    this.reader = createRedisClient({ url, connectionName: 'gateway:live-totals' });
    this.every(TOTALS_POLL_MS, () => void this.pollTotals());
    void this.pollTotals();
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.hub.closeAll();
    this.metrics.liveClients.set(0);
    this.subscriber?.disconnect();
    if (this.reader) await closeRedisClient(this.reader);
  }

  /** Open an event stream for a browser; false when too many are open. */
  addClient(res: ServerResponse): boolean {
    const added = this.hub.add(res, sseMessage('snapshot', this.state()));
    this.metrics.liveClients.set(this.hub.size);
    if (added) res.once('close', () => this.metrics.liveClients.set(this.hub.size));
    return added;
  }

  state(): LiveState {
    const now = Date.now();
    return {
      at: new Date(now).toISOString(),
      enabled: this.config.REDIS_URL !== undefined,
      connected: this.connected,
      live: this.view.snapshot(now),
      authoritative: this.authoritative,
      invalid: this.invalid,
      upstreams: this.source.views(),
    };
  }

  /** One message from the channel: counted into the view, or counted as invalid and dropped. */
  receive(message: Buffer | string): void {
    const result = parseHitEvent(message);
    if (result.ok) {
      this.view.record(result.event, Date.now());
      this.metrics.hitEventsReceived.inc();
    } else {
      this.invalid++;
      this.metrics.hitEventsInvalid.inc({ reason: result.reason });
    }
  }

  private async pollTotals(): Promise<void> {
    if (!this.reader) return;
    try {
      this.authoritative = await readHitTotals(this.reader);
    } catch {
      this.authoritative = null; // shown as "unavailable" rather than stale numbers
    }
  }

  private every(ms: number, task: () => void): void {
    const timer = setInterval(task, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
