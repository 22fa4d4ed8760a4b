import { HITS_CHANNEL, type HitEvent, parseHitEvent } from '@app/hit-events';
import { RedisServer, waitFor } from '@app/testing';
import Redis from 'ioredis';
import { Agent } from 'undici';
import type { WebApp } from '../src/web.app';
import { startTestWeb } from './helpers';

const HITS = 1000;

describe('three web nodes sharing one Redis', () => {
  let redis: RedisServer;
  let nodes: WebApp[];
  let subscriber: Redis;
  let reader: Redis;
  const received: string[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    nodes = await Promise.all(
      ['web1', 'web2', 'web3'].map((name) =>
        startTestWeb({ REDIS_URL: redis.url, NODE_NAME: name }),
      ),
    );
    subscriber = new Redis(redis.url);
    subscriber.on('message', (_channel: string, message: string) => received.push(message));
    await subscriber.subscribe(HITS_CHANNEL);
    reader = new Redis(redis.url);
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.shutdown()));
    subscriber.disconnect();
    reader.disconnect();
    await redis.destroy();
  });

  it(`${HITS} concurrent hits: exact counter, per-node split and one event per count`, async () => {
    // A connection per request, all in flight at once: the most contention Redis can see.
    const dispatcher = new Agent({ connections: null, pipelining: 0 });
    try {
      const responses = await Promise.all(
        Array.from({ length: HITS }, async (_, i) => {
          const node = nodes[i % nodes.length];
          const res = await fetch(`${node.url}/`, {
            headers: { accept: 'application/json' },
            dispatcher,
          });
          return {
            status: res.status,
            body: (await res.json()) as { count: number; node: string },
          };
        }),
      );
      expect(responses.filter((r) => r.status !== 200)).toEqual([]);

      // Every client was given a distinct count, and together they are exactly 1..HITS.
      const given = responses.map((r) => r.body.count).sort((a, b) => a - b);
      expect(given).toEqual(Array.from({ length: HITS }, (_, i) => i + 1));

      expect(await reader.get('counter')).toBe(String(HITS));
      const byNode = await reader.hgetall('hits:by-node');
      expect(byNode).toEqual({ web1: '334', web2: '333', web3: '333' });

      const events = await waitFor(
        () => (received.length >= HITS ? received.map((raw) => parseHitEvent(raw)) : undefined),
        { what: `${HITS} hit events` },
      );
      expect(events.filter((e) => !e.ok)).toEqual([]);
      const valid = events.flatMap((e) => (e.ok ? [e.event] : []));
      expect(valid).toHaveLength(HITS);
      expect(valid.map((e) => e.count).sort((a, b) => a - b)).toEqual(given);
      // Each event names the node that counted it, agreeing with the response and the hash.
      const countedBy = new Map(responses.map((r) => [r.body.count, r.body.node]));
      expect(valid.filter((e: HitEvent) => countedBy.get(e.count) !== e.node)).toEqual([]);

      const totals = (await (await fetch(`${nodes[0].url}/hits`)).json()) as {
        total: number;
        byNode: Record<string, number>;
      };
      expect(totals).toEqual({ total: HITS, byNode: { web1: 334, web2: 333, web3: 333 } });
    } finally {
      await dispatcher.close();
    }
  });
});
