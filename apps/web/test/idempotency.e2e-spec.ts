import { HITS_CHANNEL } from '@app/hit-events';
import { LogCapture, RedisServer, waitFor } from '@app/testing';
import Redis from 'ioredis';
import type { WebApp } from '../src/web.app';
import { JSON_UTF8, startTestWeb } from './helpers';

/**
 * Exactly-once hits (issue #24): the gateway retries a GET whose reply was lost on another
 * node with the same `Idempotency-Key`; that node answers the first count and counts nothing.
 * Two real nodes on one real Redis stand for the first attempt's node and the retry's.
 */
describe('idempotent hits (real Redis, two nodes)', () => {
  let redis: RedisServer;
  let client: Redis;
  let first: WebApp;
  let retry: WebApp;
  const logs = new LogCapture();
  const RETENTION_MS = 1500;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = new Redis(redis.url);
  });

  beforeEach(async () => {
    await client.flushall();
    logs.clear();
    const env = { REDIS_URL: redis.url, IDEMPOTENCY_TTL_MS: String(RETENTION_MS) };
    first = await startTestWeb({ ...env, NODE_NAME: 'web-a' });
    retry = await startTestWeb({ ...env, NODE_NAME: 'web-b', LOG_LEVEL: 'info' }, logs);
  });

  afterEach(async () => {
    await Promise.all([first.shutdown(), retry.shutdown()]);
  });

  afterAll(async () => {
    client.disconnect();
    await redis.destroy();
  });

  const get = (app: WebApp, key: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/`, { headers: { 'idempotency-key': `"${key}"`, ...headers } });

  const metric = async (app: WebApp, series: string) =>
    Number(
      new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(
        await (await fetch(`${app.url}/metrics`)).text(),
      )?.[1],
    );

  it('a retry with the same key answers the first count and node, counting and publishing nothing', async () => {
    const subscriber = new Redis(redis.url);
    try {
      const events: string[] = [];
      subscriber.on('message', (_channel: string, message: string) => events.push(message));
      await subscriber.subscribe(HITS_CHANNEL);
      const json = { accept: 'application/json', 'x-request-id': 'req-7' };

      const answered = await get(first, 'k-1', json);
      expect(answered.headers.get('idempotent-replayed')).toBeNull();
      expect(await answered.text()).toBe('{"count":1,"node":"web-a"}');
      const replayed = await get(retry, 'k-1', json);
      expect(replayed.status).toBe(200);
      expect(replayed.headers.get('content-type')).toBe(JSON_UTF8);
      expect(replayed.headers.get('x-served-by')).toBe('web-b');
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
      expect(await replayed.text()).toBe('{"count":1,"node":"web-a"}');
      // The same body in text too (the count is all it says).
      expect(await (await get(retry, 'k-1')).text()).toBe('This page has been viewed 1 times!');

      expect(await client.get('counter')).toBe('1');
      expect(await client.hgetall('hits:by-node')).toEqual({ 'web-a': '1' });
      // A new key is a new hit; by then the one event of k-1 has surely been delivered.
      expect(await (await get(retry, 'k-2')).text()).toBe('This page has been viewed 2 times!');
      await waitFor(() => (events.length === 2 ? true : undefined), { what: '2 events' });
      expect(events.map((e) => (JSON.parse(e) as { count: number }).count)).toEqual([1, 2]);

      expect(await metric(retry, 'web_hits_not_counted_total{reason="replayed"}')).toBe(2);
      expect(await metric(retry, 'web_hits_total{node="web-b"}')).toBe(1);
      expect(await metric(first, 'web_hits_not_counted_total{reason="replayed"}')).toBe(0);
      const lines = await waitFor(() => {
        const found = logs.lines().filter((l) => l.req !== undefined);
        return found.length === 3 ? found : undefined;
      });
      expect(
        lines.map((l) => [l.request_id, l.hit, (l.res as { status_code: number }).status_code]),
      ).toEqual([
        ['req-7', 'replayed', 200],
        [undefined, 'replayed', 200],
        [undefined, undefined, 200],
      ]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('concurrent attempts with one key count it once, and every one answers that count', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => get(i % 2 ? retry : first, 'same')),
    );
    const replays = answers.filter((r) => r.headers.get('idempotent-replayed') === 'true');
    expect(replays.length).toBe(39);
    expect(new Set(await Promise.all(answers.map((r) => r.text())))).toEqual(
      new Set(['This page has been viewed 1 times!']),
    );
    expect(await client.get('counter')).toBe('1');
  });

  it('remembers a key for IDEMPOTENCY_TTL_MS, then counts it as a new hit', async () => {
    await get(first, 'k-old');
    const ttl = await client.pttl('hits:id:k-old');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(RETENTION_MS);
    expect(await client.get('hits:id:k-old')).toBe('1 web-a');
    await waitFor(async () => ((await client.exists('hits:id:k-old')) === 0 ? true : undefined), {
      what: 'the key to expire',
      timeoutMs: RETENTION_MS + 5000,
    });
    const again = await get(retry, 'k-old');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await again.text()).toBe('This page has been viewed 2 times!');
  });

  it('without a key every request counts; a malformed key is 400 and counts nothing', async () => {
    await fetch(`${first.url}/`);
    await fetch(`${first.url}/`);
    expect(await client.get('counter')).toBe('2');
    const bad = await fetch(`${first.url}/`, { headers: { 'idempotency-key': 'unquoted' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'BAD_REQUEST', message: 'Malformed request.' });
    expect(await client.get('counter')).toBe('2');
  });

  it('keeps the deadline rule: a retry past its deadline is 504 even for a key counted before', async () => {
    await get(first, 'k-late');
    const late = await get(retry, 'k-late', { 'x-request-deadline': String(Date.now() - 1000) });
    expect(late.status).toBe(504);
    expect(((await late.json()) as { error: string }).error).toBe('DEADLINE_EXCEEDED');
    expect(await client.get('counter')).toBe('1');
  });
});
