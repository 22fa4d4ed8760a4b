import { HITS_CHANNEL, parseHitEvent } from '@app/hit-events';
import { NodeProcess, OtlpSink, RedisServer, waitFor } from '@app/testing';
import Redis from 'ioredis';

/** The built web node (dist/apps/web/main.js) as its own process: startup, tracing, signals. */
describe('web node process', () => {
  let redis: RedisServer;
  let proc: NodeProcess | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterEach(async () => {
    await proc?.stop();
    proc = undefined;
  });

  afterAll(async () => {
    await redis.destroy();
  });

  async function startWeb(env: Record<string, string>): Promise<string> {
    proc = NodeProcess.start('web', { PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url, ...env });
    const [, url] = await proc.waitForLog(/listening on (http:\/\/\S+)$/);
    return url;
  }

  it('exits 1 naming every invalid variable at once', async () => {
    proc = NodeProcess.start('web', {
      PORT: 'eighty',
      REDIS_URL: 'http://127.0.0.1:6379',
      LOG_LEVEL: 'loud',
      NODE_NAME: 'web one',
      SHUTDOWN_TIMEOUT_MS: '-5',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
    });
    expect(await proc.exited).toBe(1);
    const lines = proc.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('web: Invalid configuration (6 problems):');
    expect(lines.slice(1).map((l) => l.match(/^ {2}- ([A-Z_]+): /)?.[1])).toEqual([
      'PORT',
      'REDIS_URL',
      'NODE_NAME',
      'LOG_LEVEL',
      'SHUTDOWN_TIMEOUT_MS',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ]);
    expect(proc.stdoutLines).toEqual([]);
  });

  it('continues the caller’s trace: hit event, log line and exported spans share its trace id', async () => {
    const collector = await OtlpSink.start();
    const subscriber = new Redis(redis.url);
    try {
      const events: string[] = [];
      subscriber.on('message', (_c: string, m: string) => events.push(m));
      await subscriber.subscribe(HITS_CHANNEL);
      const url = await startWeb({
        NODE_NAME: 'web-traced',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      });

      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const res = await fetch(`${url}/`, {
        headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, 'user-agent': 'trace-test' },
      });
      expect(await res.text()).toBe('This page has been viewed 1 times!');

      const [event] = await waitFor(() => (events.length ? events : undefined));
      expect(parseHitEvent(event)).toEqual({
        ok: true,
        event: { v: 1, node: 'web-traced', count: 1, ts: expect.any(String), traceId },
      });

      const logLine = await waitFor(() =>
        proc
          ?.jsonLines()
          .find((l) => (l.req as { user_agent?: string })?.user_agent === 'trace-test'),
      );
      expect(logLine).toMatchObject({
        trace_id: traceId,
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      });

      // Decoded with the official opentelemetry-proto definitions: the server span, child of
      // the caller's span, and the Redis client span under it.
      const spans = await waitFor(
        () => {
          const t = collector.trace(traceId);
          return t.length >= 2 ? t : undefined;
        },
        { what: 'spans with the caller trace id at the OTLP receiver' },
      );
      expect(spans).toHaveLength(2);
      const server = spans.find((s) => s.kind === 2)!;
      const redisSpan = spans.find((s) => s.kind === 3)!;
      expect(server).toMatchObject({
        service: 'web',
        name: 'GET /',
        parentSpanId: 'b7ad6b7169203331',
        spanId: logLine.span_id,
        status: 0,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/',
          'url.path': '/',
          'http.response.status_code': 200,
          'user_agent.original': 'trace-test',
        },
      });
      expect(redisSpan).toMatchObject({
        service: 'web',
        name: 'EVALSHA',
        parentSpanId: server.spanId,
        attributes: { 'db.system.name': 'redis', 'db.operation.name': 'EVALSHA' },
      });
      expect(server.resource).toMatchObject({
        'service.name': 'web',
        'telemetry.sdk.name': 'opentelemetry',
        'process.pid': expect.any(Number),
      });
    } finally {
      subscriber.disconnect();
      await collector.close();
    }
  });

  it('without an exporter still gives a request without traceparent a trace id', async () => {
    const subscriber = new Redis(redis.url);
    try {
      const events: string[] = [];
      subscriber.on('message', (_c: string, m: string) => events.push(m));
      await subscriber.subscribe(HITS_CHANNEL);
      const url = await startWeb({ NODE_NAME: 'web-untraced' });
      await (await fetch(`${url}/`, { headers: { 'user-agent': 'no-traceparent' } })).text();
      const [event] = await waitFor(() => (events.length ? events : undefined));
      const parsed = parseHitEvent(event);
      expect(parsed).toEqual({
        ok: true,
        event: expect.objectContaining({ traceId: expect.stringMatching(/^[0-9a-f]{32}$/) }),
      });
      const logLine = await waitFor(() =>
        proc
          ?.jsonLines()
          .find((l) => (l.req as { user_agent?: string })?.user_agent === 'no-traceparent'),
      );
      expect(logLine?.trace_id).toBe(parsed.ok ? parsed.event.traceId : 'no event');
    } finally {
      subscriber.disconnect();
    }
  });

  it('counts the spans a collector refused in otel_sdk_spans_dropped_total', async () => {
    const collector = await OtlpSink.start({ status: 400 });
    try {
      const url = await startWeb({
        NODE_NAME: 'web-refused',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '50',
      });
      const dropped = async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return text.match(/^otel_sdk_spans_dropped_total\{reason="(\w+)"\} (\d+)$/gm);
      };
      expect(await dropped()).toEqual([
        'otel_sdk_spans_dropped_total{reason="queue_full"} 0',
        'otel_sdk_spans_dropped_total{reason="export_failed"} 0',
      ]);
      await (await fetch(`${url}/`)).text();
      // One request: its server span and its Redis span, refused in one batch or two.
      await waitFor(
        async () =>
          (await dropped())?.includes('otel_sdk_spans_dropped_total{reason="export_failed"} 2')
            ? true
            : undefined,
        { what: 'two spans counted as export_failed' },
      );
      expect(collector.bodies.length).toBeGreaterThanOrEqual(1);
    } finally {
      await collector.close();
    }
  });

  it('sends the spans still queued when it stops', async () => {
    const collector = await OtlpSink.start();
    try {
      const url = await startWeb({
        NODE_NAME: 'web-flush',
        SHUTDOWN_DELAY_MS: '0',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        // Nothing would leave before a minute: only the shutdown flush sends them.
        OTEL_BSP_SCHEDULE_DELAY: '60000',
      });
      const traceId = '6e0c63257de34c92bf9efcd03927272e';
      await (
        await fetch(`${url}/`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } })
      ).text();
      expect(collector.bodies).toEqual([]);
      proc!.kill('SIGTERM');
      expect(await proc!.exited).toBe(0);
      expect(
        collector
          .trace(traceId)
          .map((s) => s.name)
          .sort(),
      ).toEqual(['EVALSHA', 'GET /']);
    } finally {
      await collector.close();
    }
  });

  it('on SIGTERM goes unready first, keeps serving during the delay, then exits 0', async () => {
    const url = await startWeb({ NODE_NAME: 'web-term', SHUTDOWN_DELAY_MS: '1500' });
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    proc!.kill('SIGTERM');
    await waitFor(async () =>
      (await fetch(`${url}/health/ready`)).status === 503 ? true : undefined,
    );
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    expect(await proc!.exited).toBe(0);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow(/fetch failed/);
  });
});
