import { RedisServer, waitFor } from '@app/testing';
import type { WebApp } from '../src/web.app';
import { startTestWeb } from './helpers';

/** Generous bound for "promptly": the command timeout is 300 ms; reconnect waits must not add. */
const PROMPT_MS = 1500;

describe('web node when Redis goes away and comes back', () => {
  let redis: RedisServer;
  let web: WebApp;

  beforeAll(async () => {
    redis = await RedisServer.start({ appendOnly: true });
    web = await startTestWeb({
      REDIS_URL: redis.url,
      NODE_NAME: 'web-outage',
      REDIS_TIMEOUT_MS: '300',
    });
  });

  afterAll(async () => {
    await web.shutdown();
    await redis.destroy();
  });

  it('fails fast with REDIS_UNAVAILABLE, goes unready, and recovers by itself', async () => {
    expect(await (await fetch(`${web.url}/`)).text()).toBe('This page has been viewed 1 times!');

    await redis.stop('SIGKILL');

    // Many requests at once: none may queue behind the reconnection.
    const started = Date.now();
    const during = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await fetch(`${web.url}/`);
        return {
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          servedBy: res.headers.get('x-served-by'),
          body: await res.json(),
        };
      }),
    );
    expect(Date.now() - started).toBeLessThan(PROMPT_MS);
    for (const res of during) {
      expect(res).toEqual({
        status: 503,
        retryAfter: '1',
        servedBy: 'web-outage',
        body: {
          error: 'REDIS_UNAVAILABLE',
          message: 'Redis is unavailable; the hit was not counted.',
        },
      });
    }

    const ready = await fetch(`${web.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'error',
      info: { shutdown: { status: 'up' } },
      error: { redis: { status: 'down', message: expect.any(String) } },
      details: {
        shutdown: { status: 'up' },
        redis: { status: 'down', message: expect.any(String) },
      },
    });
    expect((await fetch(`${web.url}/health/live`)).status).toBe(200);

    const metrics = await (await fetch(`${web.url}/metrics`)).text();
    expect(metrics).toContain('web_hit_events_failed_total{channel="hits",reason="redis"} 50\n');
    expect(metrics).toContain('web_redis_up 0\n');

    // Same port, same append-only file: the count acknowledged before the crash survives.
    await redis.start();
    const body = await waitFor(
      async () => {
        const res = await fetch(`${web.url}/`);
        return res.status === 200 ? res.text() : undefined;
      },
      { timeoutMs: 5000, what: 'the node to serve again' },
    );
    expect(body).toBe('This page has been viewed 2 times!');
    expect((await fetch(`${web.url}/health/ready`)).status).toBe(200);
    expect(await (await fetch(`${web.url}/metrics`)).text()).toContain('web_redis_up 1\n');
  });
});
