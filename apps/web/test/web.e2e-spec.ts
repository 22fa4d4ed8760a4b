import { HITS_CHANNEL, parseHitEvent } from '@app/hit-events';
import { LogCapture, RedisServer, promtoolCheckMetrics, waitFor } from '@app/testing';
import Redis from 'ioredis';
import type { WebApp } from '../src/web.app';
import { JSON_UTF8, TEXT_PLAIN, startTestWeb } from './helpers';

describe('web node (real Redis)', () => {
  let redis: RedisServer;
  let client: Redis;
  let web: WebApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = new Redis(redis.url);
  });

  beforeEach(async () => {
    await client.flushall();
    logs.clear();
    web = await startTestWeb({ REDIS_URL: redis.url, NODE_NAME: 'web-a', LOG_LEVEL: 'info' }, logs);
  });

  afterEach(async () => {
    await web.shutdown();
  });

  afterAll(async () => {
    client.disconnect();
    await redis.destroy();
  });

  it('GET / counts a hit and answers the lab text with the serving node', async () => {
    const res = await fetch(`${web.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(TEXT_PLAIN);
    expect(res.headers.get('x-served-by')).toBe('web-a');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('This page has been viewed 1 times!');
    expect(await (await fetch(`${web.url}/`)).text()).toBe('This page has been viewed 2 times!');
    expect(await client.get('counter')).toBe('2');
    expect(await client.hgetall('hits:by-node')).toEqual({ 'web-a': '2' });
  });

  it('GET / answers JSON when asked for it', async () => {
    const res = await fetch(`${web.url}/`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(JSON_UTF8);
    expect(await res.text()).toBe('{"count":1,"node":"web-a"}');
  });

  it('keeps counting on top of an existing lab counter', async () => {
    await client.set('counter', '41');
    expect(await (await fetch(`${web.url}/`)).text()).toBe('This page has been viewed 42 times!');
  });

  it('HEAD / does not count a hit', async () => {
    const res = await fetch(`${web.url}/`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(await client.get('counter')).toBeNull();
  });

  it('publishes one valid hit event per hit, in the same round trip', async () => {
    const subscriber = new Redis(redis.url);
    try {
      const received: string[] = [];
      subscriber.on('message', (_channel: string, message: string) => received.push(message));
      await subscriber.subscribe(HITS_CHANNEL);
      await fetch(`${web.url}/`);
      await fetch(`${web.url}/`);
      await waitFor(() => (received.length === 2 ? true : undefined), { what: '2 events' });
      const events = received.map((raw) => parseHitEvent(raw));
      expect(events).toEqual([
        {
          ok: true,
          event: { v: 1, node: 'web-a', count: 1, ts: expect.any(String), traceId: null },
        },
        {
          ok: true,
          event: { v: 1, node: 'web-a', count: 2, ts: expect.any(String), traceId: null },
        },
      ]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('GET /hits returns the authoritative totals', async () => {
    await client.hset('hits:by-node', 'web-b', '5');
    await client.set('counter', '5');
    await fetch(`${web.url}/`);
    const res = await fetch(`${web.url}/hits`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(JSON_UTF8);
    expect(await res.text()).toBe('{"total":6,"byNode":{"web-a":1,"web-b":5}}');
  });

  it('GET /hits on an empty Redis is all zeros', async () => {
    expect(await (await fetch(`${web.url}/hits`)).json()).toEqual({ total: 0, byNode: {} });
  });

  it('answers liveness and readiness in the terminus format', async () => {
    const live = await fetch(`${web.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    const ready = await fetch(`${web.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ok',
      info: { shutdown: { status: 'up' }, redis: { status: 'up' } },
      error: {},
      details: { shutdown: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('answers unknown routes with the catalogue 404', async () => {
    const res = await fetch(`${web.url}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-served-by')).toBe('web-a');
    expect(await res.json()).toEqual({ error: 'NOT_FOUND', message: 'No such route.' });
  });

  it('answers a counter that is not an integer with REDIS_ERROR, without crashing', async () => {
    await client.set('counter', 'not-a-number');
    const res = await fetch(`${web.url}/`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: 'REDIS_ERROR',
      message: 'Redis rejected the command; the hit was not counted.',
    });
    expect((await fetch(`${web.url}/health/live`)).status).toBe(200);
  });

  it('logs one JSON line per request with method, path, status, duration and user agent', async () => {
    await fetch(`${web.url}/?x=1`, { headers: { 'user-agent': 'lab-test/1.0' } });
    await fetch(`${web.url}/health/ready`);
    const requestLines = await waitFor(() => {
      const lines = logs.lines().filter((l) => l.req !== undefined);
      return lines.length === 1 ? lines : undefined;
    });
    expect(requestLines[0]).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      service: 'web',
      node: 'web-a',
      req: { method: 'GET', path: '/', user_agent: 'lab-test/1.0' },
      res: { status_code: 200 },
      duration_ms: expect.any(Number),
      msg: expect.stringMatching(/^GET \/ 200 \d+ms$/),
    });
  });

  describe('GET /metrics', () => {
    it('passes promtool check metrics and counts hits per node', async () => {
      await fetch(`${web.url}/`);
      await fetch(`${web.url}/`);
      // An OpenMetrics scrape first: it must not break the classic format afterwards.
      const om = await fetch(`${web.url}/metrics`, {
        headers: { accept: 'application/openmetrics-text; version=1.0.0' },
      });
      expect(om.headers.get('content-type')).toBe(
        'application/openmetrics-text; version=1.0.0; charset=utf-8',
      );
      const omBody = await om.text();
      expect(omBody.endsWith('# EOF\n')).toBe(true);
      expect(omBody).toContain('web_hits_total{node="web-a"} 2\n');

      const res = await fetch(`${web.url}/metrics`);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const body = await res.text();
      expect(body).toContain('# TYPE web_hits_total counter\nweb_hits_total{node="web-a"} 2\n');
      expect(body).toContain('web_hit_events_published_total{channel="hits"} 2\n');
      expect(body).toContain(
        'http_server_request_duration_seconds_count{method="GET",route="/",status_code="200"} 2\n',
      );
      expect(body).toContain(
        'web_redis_command_duration_seconds_count{command="hit_script",outcome="ok"} 2\n',
      );
      await expect(promtoolCheckMetrics(body)).resolves.toBe('');
    });

    it('promtool really rejects bad exposition (the check above can fail)', async () => {
      await expect(
        promtoolCheckMetrics('# TYPE bad_gauge_total gauge\nbad_gauge_total 1\n'),
      ).rejects.toThrow(/non-counter metrics should not have "_total" suffix/);
    });
  });
});
