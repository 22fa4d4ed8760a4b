import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer, waitFor } from '@app/testing';
import Redis from 'ioredis';
import { chromium } from 'playwright-core';
import type { GatewayApp } from '../src/gateway.app';
import type { LiveState } from '../src/live/live-feed';
import type { WebApp } from '../../web/src/web.app';
import { startTestWeb } from '../../web/test/helpers';
import { startTestGateway } from './helpers';

/** Reads an SSE stream and keeps the latest `snapshot` event. */
class SnapshotStream {
  latest?: LiveState;
  count = 0;
  private readonly abort = new AbortController();

  static async open(url: string): Promise<SnapshotStream> {
    const stream = new SnapshotStream();
    const res = await fetch(url, { signal: stream.abort.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    void stream.read(res.body!);
    return stream;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^event: snapshot\ndata: (.*)$/m.exec(message)?.[1];
          if (data) {
            this.latest = JSON.parse(data) as LiveState;
            this.count++;
          }
        }
      }
    } catch {
      // aborted by close()
    }
  }

  until(predicate: (s: LiveState) => boolean, what: string): Promise<LiveState> {
    return waitFor(() => (this.latest && predicate(this.latest) ? this.latest : undefined), {
      what,
    });
  }

  close(): void {
    this.abort.abort();
  }
}

describe('live traffic view (real Redis, web nodes and gateway)', () => {
  let redis: RedisServer;
  let client: Redis;
  let webs: WebApp[];
  let gateway: GatewayApp;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = new Redis(redis.url);
    webs = await Promise.all(
      ['web1', 'web2', 'web3'].map((name) =>
        startTestWeb({ REDIS_URL: redis.url, NODE_NAME: name }),
      ),
    );
    gateway = await startTestGateway({
      UPSTREAMS: webs.map((w, i) => `${w.url} weight=${i + 1}`).join(','),
      REDIS_URL: redis.url,
      LIVE_BATCH_MS: '50',
      LIVE_MAX_CLIENTS: '3',
    });
  });

  afterAll(async () => {
    await gateway.shutdown();
    await Promise.all(webs.map((w) => w.shutdown()));
    client.disconnect();
    await redis.destroy();
  });

  beforeEach(async () => {
    // Each test starts from zero in Redis; the live view counts on from where it is.
    await client.del('counter', 'hits:by-node');
  });

  it('shows the live split in a real browser, equal to the counter keys', async () => {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${gateway.adminUrl}/`);
      await page.getByText('hit events: subscribed').waitFor();
      // First test of the suite: Redis and the live view both start from zero here, so the
      // screenshot shows them agreeing.
      const before = await liveTotals(page);
      for (let i = 0; i < 36; i++) await (await fetch(`${gateway.url}/`)).text();
      const byNode = await client.hgetall('hits:by-node');
      expect(byNode).toEqual({ web1: '6', web2: '12', web3: '18' });
      for (const [node, count] of Object.entries(byNode)) {
        // The page's live total grew by exactly what Redis counted, and it shows Redis' number.
        await page
          .getByTestId(`redis-${node}`)
          .filter({ hasText: new RegExp(`^${count}$`) })
          .waitFor();
        await waitFor(
          async () =>
            (await liveTotals(page))[node] === before[node] + Number(count) ? true : undefined,
          {
            what: `live total of ${node}`,
          },
        );
      }
      await page
        .getByRole('log')
        .getByText(/#36\s+web[123]\b/)
        .waitFor();
      const shot = process.env.UPDATE_DOCS_SCREENSHOT
        ? join(__dirname, '../../../docs/live-view.png')
        : join(mkdtempSync(join(tmpdir(), 'oc-shot-')), 'live-view.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });

  it('streams exact per-node totals after N hits, next to the authoritative ones', async () => {
    const stream = await SnapshotStream.open(`${gateway.adminUrl}/events`);
    try {
      const before = await stream.until((s) => s.connected, 'the subscriber to connect');
      const was = (node: string) => before.live.totals[node] ?? 0;
      // 60 requests are ten whole weight cycles: exactly 10/20/30 wherever the cycle stands.
      for (let i = 0; i < 60; i++) await (await fetch(`${gateway.url}/`)).text();
      const after = await stream.until(
        (s) => s.live.total === before.live.total + 60 && s.authoritative?.total === 60,
        '60 more live hits and 60 in Redis',
      );
      expect(after.live.totals).toEqual({
        web1: was('web1') + 10,
        web2: was('web2') + 20,
        web3: was('web3') + 30,
      });
      expect(after.authoritative).toEqual({ total: 60, byNode: { web1: 10, web2: 20, web3: 30 } });
      expect(after.live.recent).toHaveLength(20);
      expect(after.live.recent[0]).toMatchObject({ v: 1, count: 60 });
      expect(after.upstreams.map((u) => [u.node, u.weight, u.state])).toEqual([
        ['web1', 1, 'up'],
        ['web2', 2, 'up'],
        ['web3', 3, 'up'],
      ]);
      // Batched: a few snapshots, not one per hit (50 ms batches over the run).
      expect(stream.count).toBeLessThan(200);
    } finally {
      stream.close();
    }
  });

  it('counts and drops malformed and oversized events without missing a beat', async () => {
    const stream = await SnapshotStream.open(`${gateway.adminUrl}/events`);
    try {
      const start = await stream.until((s) => s.connected, 'connected');
      await client.publish('hits', 'not json');
      await client.publish(
        'hits',
        JSON.stringify({ v: 2, node: 'x', count: 1, ts: 'now', traceId: null }),
      );
      await client.publish('hits', 'x'.repeat(10_000));
      await (await fetch(`${gateway.url}/`)).text();
      const after = await stream.until(
        (s) => s.invalid === start.invalid + 3 && s.live.total === start.live.total + 1,
        'three invalid and one valid event',
      );
      expect(after.live.total).toBe(start.live.total + 1);
      const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
      expect(metrics).toContain('gateway_hit_events_invalid_total{reason="not_json"} 1\n');
      expect(metrics).toContain('gateway_hit_events_invalid_total{reason="invalid"} 1\n');
      expect(metrics).toContain('gateway_hit_events_invalid_total{reason="too_large"} 1\n');
    } finally {
      stream.close();
    }
  });

  it('refuses live connections beyond LIVE_MAX_CLIENTS with 503', async () => {
    const open = await Promise.all(
      [1, 2, 3].map(() => SnapshotStream.open(`${gateway.adminUrl}/events`)),
    );
    try {
      await waitFor(async () =>
        (await (await fetch(`${gateway.adminUrl}/metrics`)).text()).includes(
          'gateway_live_clients 3\n',
        )
          ? true
          : undefined,
      );
      const res = await fetch(`${gateway.adminUrl}/events`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: 'TOO_MANY_CLIENTS',
        message: 'Too many live view connections.',
      });
    } finally {
      open.forEach((s) => s.close());
    }
  });

  it('re-subscribes by itself when Redis restarts', async () => {
    const stream = await SnapshotStream.open(`${gateway.adminUrl}/events`);
    try {
      await stream.until((s) => s.connected, 'connected');
      await redis.stop('SIGKILL');
      await stream.until((s) => !s.connected && s.authoritative === null, 'the outage to show');
      await redis.start();
      const back = await stream.until((s) => s.connected, 're-subscribed');
      const seen = back.live.total;
      await waitFor(async () =>
        (await fetch(`${gateway.url}/`)).status === 200 ? true : undefined,
      );
      await stream.until((s) => s.live.total === seen + 1, 'a hit after the restart');
    } finally {
      stream.close();
    }
  });
});

async function liveTotals(page: import('playwright-core').Page): Promise<Record<string, number>> {
  const totals: Record<string, number> = { web1: 0, web2: 0, web3: 0 };
  for (const node of Object.keys(totals)) {
    const cell = page.getByTestId(`live-${node}`);
    if ((await cell.count()) > 0) totals[node] = Number(await cell.textContent());
  }
  return totals;
}
