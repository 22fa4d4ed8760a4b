import { NodeProcess, freePort, promtoolCheckMetrics, waitFor } from '@app/testing';
import { Agent } from 'undici';
import { type UpstreamView, upstreamsResponseSchema } from '../src/admin/upstream-view';
import { TestUpstream, inParallel, tally } from './helpers';

/**
 * GATEWAY_WORKERS=2 with the built gateway: two data plane workers on one port behind the
 * primary's admin plane. Shares stay 1:2:3 overall, `/metrics` and `/upstreams` are whole, a
 * dead worker is replaced, SIGTERM drains everything.
 */
describe('gateway workers (GATEWAY_WORKERS=2)', () => {
  let ups: TestUpstream[];
  let gateway: NodeProcess;
  let url: string;
  let admin: string;

  beforeAll(async () => {
    ups = [
      await TestUpstream.start('web1'),
      await TestUpstream.start('web2'),
      await TestUpstream.start('web3'),
    ];
    const [port, adminPort] = [await freePort(), await freePort()];
    gateway = NodeProcess.start('gateway', {
      GATEWAY_WORKERS: '2',
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'info',
      ACCESS_LOG: 'false',
      UPSTREAMS: ups.map((u, i) => `${u.url} weight=${i + 1}`).join(','),
    });
    url = `http://127.0.0.1:${port}`;
    admin = `http://127.0.0.1:${adminPort}`;
    await gateway.waitForLog(/admin plane listening on .* \(2 data plane workers\)/);
    await waitFor(async () => ((await workerPids()).length === 2 ? true : undefined), {
      what: 'two workers reporting',
    });
  });

  afterAll(async () => {
    await gateway.stop();
    for (const u of ups) await u.kill();
  });

  async function upstreamViews(): Promise<UpstreamView[]> {
    // Parsed with the documented schema: strict, so an undocumented field fails the test.
    return upstreamsResponseSchema.parse(await (await fetch(`${admin}/upstreams`)).json())
      .upstreams;
  }

  async function workerPids(): Promise<number[]> {
    const [first] = await upstreamViews();
    return (first?.workers ?? []).map((w) => w.pid);
  }

  it('keeps the 1:2:3 shares overall, each worker balancing on its own', async () => {
    // A new connection per request: node:cluster hands connections to the workers in turn.
    const served = await inParallel(600, 6, async () => {
      const dispatcher = new Agent({ pipelining: 0 });
      try {
        const res = await fetch(`${url}/`, { dispatcher });
        await res.text();
        return res.headers.get('x-served-by') ?? '';
      } finally {
        await dispatcher.close();
      }
    });
    const counts = tally(served);
    // Each worker's smooth WRR is exact over every cycle of 6: overall, at most one pick per
    // worker off per upstream.
    for (const [node, expected] of [
      ['web1', 100],
      ['web2', 200],
      ['web3', 300],
    ] as const)
      expect([node, Math.abs(counts[node] - expected) <= 2]).toEqual([node, true]);

    // Whole /metrics: the workers' counters merged, valid exposition.
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    const total = [
      ...metrics.matchAll(/^gateway_requests_total\{[^}]*status_code="200"\} (\d+)$/gm),
    ]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);
    expect(total).toBe(600);
    await expect(promtoolCheckMetrics(metrics)).resolves.toBe('');

    // Whole /upstreams: both workers' requests, per upstream, once reports caught up.
    await waitFor(
      async () => {
        const views = await upstreamViews();
        return views.map((v) => v.requests).reduce((a, b) => a + b, 0) === 600 ? views : undefined;
      },
      { what: '/upstreams to count all 600' },
    );
    const views = await upstreamViews();
    expect(
      views.map((v) => [v.node, v.workers?.length, v.workers?.every((w) => w.requests !== 0)]),
    ).toEqual([
      ['web1', 2, true],
      ['web2', 2, true],
      ['web3', 2, true],
    ]);
  });

  it('replaces a worker that dies; the others serve meanwhile', async () => {
    const [victim, survivor] = await workerPids();
    process.kill(victim, 'SIGKILL');
    // Once it is gone (connections still in its accept queue were reset with it, as with
    // nginx's reuseport), the survivor serves every new connection...
    await gateway.waitForLog(new RegExp(`worker ${victim} exited \\(SIGKILL\\); starting another`));
    for (let i = 0; i < 20; i++)
      expect((await fetch(`${url}/`, { signal: AbortSignal.timeout(3000) })).status).toBe(200);
    // ...and a new worker takes the dead one's place.
    await waitFor(
      async () => {
        const pids = await workerPids();
        return pids.length === 2 && !pids.includes(victim) ? pids : undefined;
      },
      { what: 'a replacement worker', timeoutMs: 15_000 },
    );
    expect(await workerPids()).toContain(survivor);
  });

  it('drains on SIGTERM: the workers, then the primary, exit 0', async () => {
    gateway.kill('SIGTERM');
    await gateway.waitForLog(/SIGTERM: draining 2 workers/);
    expect(await gateway.exited).toBe(0);
  });
});
