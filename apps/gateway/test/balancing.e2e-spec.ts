import { waitFor } from '@app/testing';
import type { GatewayApp } from '../src/gateway.app';
import { TestUpstream, inParallel, startTestGateway, tally } from './helpers';

async function servedBy(url: string): Promise<{ status: number; by: string }> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return { status: res.status, by: res.headers.get('x-served-by') ?? `status ${res.status}` };
}

describe('gateway balancing over real upstream servers', () => {
  let ups: TestUpstream[];
  let gateway: GatewayApp;

  afterEach(async () => {
    await gateway?.shutdown();
    await Promise.all(ups.map((u) => u.kill()));
  });

  it('splits 6,000 GETs exactly 1,000 / 2,000 / 3,000 over weights 1:2:3, smoothly', async () => {
    ups = await Promise.all(['web1', 'web2', 'web3'].map((n) => TestUpstream.start(n)));
    gateway = await startTestGateway({
      UPSTREAMS: ups.map((u, i) => `${u.url} weight=${i + 1}`).join(','),
    });

    // Sequential first: the exact nginx order, no upstream more than its weight in a row.
    const first = [];
    for (let i = 0; i < 12; i++) first.push((await servedBy(`${gateway.url}/`)).by);
    expect(first).toEqual([
      'web3',
      'web2',
      'web1',
      'web3',
      'web2',
      'web3',
      'web3',
      'web2',
      'web1',
      'web3',
      'web2',
      'web3',
    ]);

    const rest = await inParallel(6000 - 12, 32, () => servedBy(`${gateway.url}/`));
    expect(rest.filter((r) => r.status !== 200)).toEqual([]);
    expect(tally([...first, ...rest.map((r) => r.by)])).toEqual({
      web1: 1000,
      web2: 2000,
      web3: 3000,
    });
    expect(ups.map((u) => u.traffic.length)).toEqual([1000, 2000, 3000]);

    const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
    for (const [i, u] of ups.entries()) {
      expect(metrics).toContain(
        `gateway_requests_total{upstream="127.0.0.1:${u.port}",method="GET",status_code="200"} ${(i + 1) * 1000}\n`,
      );
    }
  });

  it('an upstream killed under a steady stream: no failed request, ejected, re-admitted when back (passive)', async () => {
    ups = await Promise.all(['web1', 'web2', 'web3'].map((n) => TestUpstream.start(n)));
    gateway = await startTestGateway({
      UPSTREAMS: ups
        .map((u, i) => `${u.url} weight=${i + 1} max_fails=1 fail_timeout=300ms`)
        .join(','),
    });
    const victim = ups[1];
    const results = await inParallel(900, 4, async (i) => {
      if (i === 150) await victim.kill();
      return servedBy(`${gateway.url}/`);
    });
    expect(results.filter((r) => r.status !== 200)).toEqual([]);

    const view = (await (await fetch(`${gateway.adminUrl}/upstreams`)).json()) as {
      upstreams: { id: string; ejections: number; failures: number }[];
    };
    const victimView = view.upstreams.find((u) => u.id === `127.0.0.1:${victim.port}`);
    expect(victimView?.failures).toBeGreaterThanOrEqual(1);
    expect(victimView?.ejections).toBeGreaterThanOrEqual(1);
    // Every failed attempt was retried on another upstream: one retry per failure.
    const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
    expect(metrics).toContain(
      `gateway_retries_total{upstream="127.0.0.1:${victim.port}"} ${victimView?.failures}\n`,
    );

    // Back on the same port: after fail_timeout it takes its share again.
    await victim.listen();
    const before = victim.traffic.length;
    await waitFor(
      async () => ((await servedBy(`${gateway.url}/`)).by === 'web2' ? true : undefined),
      {
        what: 'web2 to be re-admitted',
      },
    );
    const after = await inParallel(600, 1, () => servedBy(`${gateway.url}/`));
    expect(after.filter((r) => r.status !== 200)).toEqual([]);
    expect(victim.traffic.length - before).toBeGreaterThanOrEqual(200);
  });

  it('active checks: a node answering 503 on /health/ready leaves rotation before any request fails, and returns', async () => {
    ups = await Promise.all(['web1', 'web2', 'web3'].map((n) => TestUpstream.start(n)));
    gateway = await startTestGateway({
      UPSTREAMS: ups.map((u, i) => `${u.url} weight=${i + 1}`).join(','),
      HEALTH_CHECK_INTERVAL_MS: '50',
      HEALTH_CHECK_FAILS: '2',
      HEALTH_CHECK_PASSES: '2',
    });
    const draining = ups[2];
    const upstreams = async () =>
      (
        (await (await fetch(`${gateway.adminUrl}/upstreams`)).json()) as {
          upstreams: {
            id: string;
            state: string;
            reason: string | null;
            lastCheck: { ok: boolean; status: number };
          }[];
        }
      ).upstreams;
    const id = `127.0.0.1:${draining.port}`;

    draining.health = 503;
    await waitFor(async () =>
      (await upstreams()).find((u) => u.id === id)?.state === 'down' ? true : undefined,
    );
    expect((await upstreams()).find((u) => u.id === id)).toMatchObject({
      state: 'down',
      reason: 'active',
      lastCheck: { ok: false, status: 503 },
    });
    const before = draining.traffic.length;
    const during = await inParallel(300, 4, () => servedBy(`${gateway.url}/`));
    expect(during.filter((r) => r.status !== 200)).toEqual([]);
    expect(draining.traffic.length).toBe(before);
    expect(tally(during.map((r) => r.by))).toEqual({ web1: 100, web2: 200 });

    draining.health = 200;
    await waitFor(async () =>
      (await upstreams()).find((u) => u.id === id)?.state === 'up' ? true : undefined,
    );
    const after = await inParallel(600, 1, () => servedBy(`${gateway.url}/`));
    expect(tally(after.map((r) => r.by))).toEqual({ web1: 100, web2: 200, web3: 300 });
    const ready = await fetch(`${gateway.adminUrl}/health/ready`);
    expect(await ready.json()).toEqual({
      status: 'ok',
      info: { shutdown: { status: 'up' }, upstreams: { status: 'up', up: 3, total: 3 } },
      error: {},
      details: { shutdown: { status: 'up' }, upstreams: { status: 'up', up: 3, total: 3 } },
    });
  });

  it('balances over every address a host name resolves to', async () => {
    // Two "hosts" behind one name: the same port on two loopback addresses.
    const first = await TestUpstream.start('a', '127.0.0.2');
    const second = await TestUpstream.start('b', '127.0.0.3', first.port);
    ups = [first, second];
    gateway = await startTestGateway(
      { UPSTREAMS: `http://web.test:${first.port} weight=2` },
      {
        resolver: (host) => Promise.resolve(host === 'web.test' ? ['127.0.0.3', '127.0.0.2'] : []),
      },
    );
    const results = await inParallel(600, 8, () => servedBy(`${gateway.url}/`));
    expect(tally(results.map((r) => r.by))).toEqual({ a: 300, b: 300 });
    expect(first.traffic[0].headers.host).toBe(new URL(gateway.url).host);
    const view = (await (await fetch(`${gateway.adminUrl}/upstreams`)).json()) as {
      upstreams: { id: string; address: string; weight: number; url: string }[];
    };
    expect(
      view.upstreams.map(({ id, address, weight, url }) => ({ id, address, weight, url })),
    ).toEqual([
      {
        id: `web.test:${first.port}@127.0.0.2`,
        address: '127.0.0.2',
        weight: 2,
        url: `http://web.test:${first.port}`,
      },
      {
        id: `web.test:${first.port}@127.0.0.3`,
        address: '127.0.0.3',
        weight: 2,
        url: `http://web.test:${first.port}`,
      },
    ]);
  });
});
