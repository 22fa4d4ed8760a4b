import { HITS_CHANNEL, parseHitEvent } from '@app/hit-events';
import { NodeProcess, OtlpSink, RedisServer, startWebProcesses, waitFor } from '@app/testing';
import Redis from 'ioredis';
import { TestUpstream } from './helpers';

/**
 * The built gateway (dist/apps/gateway/main.js) as its own process, in front of three built
 * web nodes and a real Redis: the lab's cluster, end to end.
 */
describe('gateway process', () => {
  const procs: NodeProcess[] = [];

  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
  });

  it('exits 1 naming every bad UPSTREAMS entry and every other invalid variable', async () => {
    const proc = NodeProcess.start('gateway', {
      UPSTREAMS: 'ftp://web1:21,http://web2:3000 weight=0,http://web3:3000 speed=fast',
      ADMIN_PORT: 'admin',
      BALANCER: 'random',
    });
    procs.push(proc);
    expect(await proc.exited).toBe(1);
    expect(proc.stderr).toBe(
      [
        'gateway: Invalid configuration (5 problems):',
        '  - ADMIN_PORT: Invalid input: expected number, received NaN',
        '  - UPSTREAMS: entry 1 "ftp://web1:21": unsupported scheme "ftp:" (only http:// upstreams)',
        '  - UPSTREAMS: entry 2 "http://web2:3000 weight=0": weight must be an integer 1..1000, got "0"',
        '  - UPSTREAMS: entry 3 "http://web3:3000 speed=fast": unknown parameter "speed=fast" (known: weight, max_fails, fail_timeout)',
        '  - BALANCER: Invalid option: expected one of "round_robin"|"least_conn"',
        '',
      ].join('\n'),
    );
  });

  it('on SIGTERM finishes slow requests in flight, refuses new connections, exits 0', async () => {
    const slow = await TestUpstream.start('slow');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    slow.handler = (_req, res) => void released.then(() => res.end('done'));
    try {
      const proc = NodeProcess.start('gateway', {
        PORT: '0',
        HOST: '127.0.0.1',
        ADMIN_PORT: '0',
        UPSTREAMS: slow.url,
        HEALTH_CHECK_INTERVAL_MS: '0',
      });
      procs.push(proc);
      const [, url] = await proc.waitForLog(/data plane listening on (http:\/\/\S+) /);
      const inFlight = Array.from({ length: 5 }, () =>
        fetch(`${url}/`).then(async (r) => [r.status, await r.text()]),
      );
      await waitFor(() => (slow.traffic.length === 5 ? true : undefined));
      proc.kill('SIGTERM');
      await proc.waitForLog(/SIGTERM: draining/);
      await expect(fetch(`${url}/`)).rejects.toThrow(/fetch failed/);
      release();
      expect(await Promise.all(inFlight)).toEqual(Array.from({ length: 5 }, () => [200, 'done']));
      expect(await proc.exited).toBe(0);
    } finally {
      await slow.kill();
    }
  });

  describe('in front of three web nodes and Redis', () => {
    let redis: RedisServer;
    let subscriber: Redis;
    const events: string[] = [];
    let collector: OtlpSink;

    beforeAll(async () => {
      redis = await RedisServer.start();
      subscriber = new Redis(redis.url);
      subscriber.on('message', (_c: string, m: string) => events.push(m));
      await subscriber.subscribe(HITS_CHANNEL);
      collector = await OtlpSink.start();
    });

    /** The hit event (parsed) that gave out this count, once it arrived. */
    const hitEventCounting = (count: number) =>
      waitFor(() =>
        events.map((e) => parseHitEvent(e)).find((e) => e.ok && e.event.count === count),
      );

    afterAll(async () => {
      subscriber.disconnect();
      await redis.destroy();
      await collector.close();
    });

    it('splits traffic 1:2:3 in Redis and carries one trace from client to Redis', async () => {
      const tracing = {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      };
      const webs = await startWebProcesses(redis.url, tracing);
      procs.push(...webs.map((w) => w.proc));
      const webUrls = webs.map((w) => w.url);
      const gateway = NodeProcess.start('gateway', {
        PORT: '0',
        HOST: '127.0.0.1',
        ADMIN_PORT: '0',
        UPSTREAMS: webUrls.map((u, i) => `${u} weight=${i + 1}`).join(','),
        ...tracing,
      });
      procs.push(gateway);
      const [, url] = await gateway.waitForLog(/data plane listening on (http:\/\/\S+) /);

      const bodies: string[] = [];
      for (let i = 0; i < 60; i++) bodies.push(await (await fetch(`${url}/`)).text());
      expect(bodies).toEqual(
        Array.from({ length: 60 }, (_, i) => `This page has been viewed ${i + 1} times!`),
      );
      const hits = await (await fetch(`${webUrls[0]}/hits`)).json();
      expect(hits).toEqual({ total: 60, byNode: { web1: 10, web2: 20, web3: 30 } });

      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const res = await fetch(`${url}/`, {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, accept: 'application/json' },
      });
      expect(await res.json()).toEqual({ count: 61, node: 'web3' });
      const event = await hitEventCounting(61);
      // The web node saw the gateway's client span as parent: same trace id end to end.
      expect(event).toEqual({
        ok: true,
        event: expect.objectContaining({ node: 'web3', traceId }),
      });

      // Exported spans with that trace id, decoded with the official opentelemetry-proto
      // definitions: one tree, caller → gateway server → gateway client → web server → Redis.
      const spans = await waitFor(
        () => {
          const t = collector.trace(traceId);
          return t.length >= 4 ? t : undefined;
        },
        { what: '4 spans of the trace' },
      );
      expect(spans).toHaveLength(4);
      const one = (service: string, kind: number) => {
        const found = spans.filter((s) => s.service === service && s.kind === kind);
        expect(found).toHaveLength(1);
        return found[0];
      };
      const gatewayServer = one('gateway', 2);
      const gatewayClient = one('gateway', 3);
      const webServer = one('web', 2);
      const redisClient = one('web', 3);
      expect(gatewayServer).toMatchObject({ name: 'GET', parentSpanId: '00f067aa0ba902b7' });
      expect(gatewayClient).toMatchObject({
        name: 'GET',
        parentSpanId: gatewayServer.spanId,
        attributes: { 'server.port': Number(new URL(webUrls[2]).port) },
      });
      expect(webServer).toMatchObject({ name: 'GET /', parentSpanId: gatewayClient.spanId });
      expect(redisClient).toMatchObject({ name: 'EVALSHA', parentSpanId: webServer.spanId });

      // A caller that did not sample: its trace id still reaches the node (logs, hit events),
      // and no process exports a span of it.
      const unsampled = 'a3ce929d0e0e47364bf92f3577b34da6';
      const skipped = await fetch(`${url}/`, {
        headers: { traceparent: `00-${unsampled}-00f067aa0ba902b7-00`, accept: 'application/json' },
      });
      expect(await skipped.json()).toEqual({ count: 62, node: 'web2' });
      const skippedEvent = await hitEventCounting(62);
      expect(skippedEvent).toEqual({
        ok: true,
        event: expect.objectContaining({ node: 'web2', traceId: unsampled }),
      });
      // A sampled request after it: once its spans are in, the unsampled one would be too.
      const marker = '5b8aa5a2d2c872e8321cf37308d69df2';
      await (
        await fetch(`${url}/`, { headers: { traceparent: `00-${marker}-00f067aa0ba902b7-01` } })
      ).text();
      await waitFor(() => (collector.trace(marker).length > 0 ? true : undefined), {
        what: 'spans of the sampled request after the unsampled one',
      });
      // Every process exports on its own schedule (100 ms here): give the others three rounds.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(collector.trace(unsampled)).toEqual([]);
    });
  });
});
