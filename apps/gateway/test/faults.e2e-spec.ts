import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  NodeProcess,
  RedisServer,
  type WebProcess,
  percentile,
  startWebProcess,
  startGatewayProcess,
  startWebProcesses,
  steadyLoad,
  waitFor,
} from '@app/testing';
import Redis from 'ioredis';

/**
 * Faults under a steady load through the gateway, with real processes: the built gateway and
 * web nodes, a real Redis. The load is 100 requests/s on loopback, a few seconds long.
 * RELIABILITY_REPORT=1 writes the figures to bench/results/reliability-latest.json
 * (docs/reliability.md quotes them).
 */
const RATE = 100;
const report: Record<string, unknown> = {};

describe('faults under load (real processes)', () => {
  let redis: RedisServer;
  let webs: WebProcess[];
  let gateway: NodeProcess;
  let url: string;
  let admin: string;

  const webEnv = {
    // Web logs at warn: 100 requests/s of request lines would only slow the run down.
    LOG_LEVEL: 'warn',
    REDIS_TIMEOUT_MS: '300',
    // Long enough for the gateway's active check (every 200 ms) to see the node go unready.
    SHUTDOWN_DELAY_MS: '800',
  };
  const startWeb = (name: string, port: number) => startWebProcess(name, port, redis.url, webEnv);

  async function upstreams(): Promise<
    { node: string | null; state: string; ejections: number; id: string }[]
  > {
    return ((await (await fetch(`${admin}/upstreams`)).json()) as { upstreams: never[] }).upstreams;
  }

  async function waitUp(port: number): Promise<void> {
    await waitFor(
      async () =>
        (await upstreams()).find((u) => u.id === `127.0.0.1:${port}`)?.state === 'up'
          ? true
          : undefined,
      { what: `upstream ${port} up`, timeoutMs: 15_000 },
    );
  }

  beforeEach(async () => {
    redis = await RedisServer.start({ appendOnly: true });
    webs = await startWebProcesses(redis.url, webEnv);
    ({
      proc: gateway,
      url,
      admin,
    } = await startGatewayProcess(
      webs.map((w, i) => `http://127.0.0.1:${w.port} weight=${i + 1} fail_timeout=1s`).join(','),
      {
        HEALTH_CHECK_INTERVAL_MS: '200',
        HEALTH_CHECK_TIMEOUT_MS: '300',
        HEALTH_CHECK_FAILS: '1',
        HEALTH_CHECK_PASSES: '2',
      },
    ));
    for (const w of webs) await waitUp(w.port);
  });

  afterEach(async () => {
    await Promise.all([gateway, ...webs.map((w) => w.proc)].map((p) => p.stop()));
    await redis.destroy();
  });

  afterAll(() => {
    if (process.env.RELIABILITY_REPORT) {
      writeFileSync(
        join(__dirname, '../../../bench/results/reliability-latest.json'),
        `${JSON.stringify({ at: new Date().toISOString(), ...report }, null, 2)}\n`,
      );
    }
  });

  it('SIGKILL of a web node mid-run: no failed request; ejected, re-admitted, weight share again', async () => {
    const victim = webs[1];
    const events = (async () => {
      await new Promise((r) => setTimeout(r, 3000));
      victim.proc.kill('SIGKILL');
      await victim.proc.exited;
      await new Promise((r) => setTimeout(r, 3000));
      webs[1] = await startWeb(victim.name, victim.port);
    })();
    const samples = await steadyLoad(`${url}/`, { ratePerSec: RATE, durationMs: 10_000 });
    await events;
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    await waitUp(victim.port);
    const view = (await upstreams()).find((u) => u.id === `127.0.0.1:${victim.port}`);
    expect(view?.ejections).toBeGreaterThanOrEqual(1);
    const late = samples.filter((s) => s.at > 8500).map((s) => s.servedBy);
    expect(late).toContain('web2');
    // Back to exact shares: 60 sequential requests are ten whole cycles of 1:2:3.
    const after: string[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${url}/`);
      await res.text();
      after.push(res.headers.get('x-served-by') ?? '');
    }
    expect(tallyOf(after)).toEqual({ web1: 10, web2: 20, web3: 30 });
    report.sigkill = {
      requests: samples.length,
      failed: 0,
      p99Ms: percentile(
        samples.map((s) => s.latencyMs),
        99,
      ),
    };
  });

  it('rolling restart (SIGTERM web1, then web2, then web3): no failed request', async () => {
    const restarts = (async () => {
      for (let i = 0; i < webs.length; i++) {
        const web = webs[i];
        web.proc.kill('SIGTERM');
        expect(await web.proc.exited).toBe(0);
        webs[i] = await startWeb(web.name, web.port);
        await waitUp(web.port);
      }
    })();
    const samples = await steadyLoad(`${url}/`, {
      ratePerSec: RATE,
      until: restarts,
      maxDurationMs: 40_000,
    });
    await restarts;
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    expect(new Set(samples.map((s) => s.servedBy))).toEqual(new Set(['web1', 'web2', 'web3']));
    report.rollingRestart = {
      requests: samples.length,
      failed: 0,
      seconds: Math.round(samples.at(-1)!.at / 100) / 10,
      p99Ms: percentile(
        samples.map((s) => s.latencyMs),
        99,
      ),
    };
  });

  it('Redis SIGKILL then restart from AOF: fast 503 REDIS_UNAVAILABLE, back within 2 s, no count lost or given twice', async () => {
    let killedAt = 0;
    let backAt = 0;
    let started = 0;
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, 2000));
      await redis.stop('SIGKILL');
      killedAt = Date.now() - started;
      await new Promise((r) => setTimeout(r, 3000));
      await redis.start();
      backAt = Date.now() - started;
    })();
    started = Date.now();
    const samples = await steadyLoad(`${url}/`, { ratePerSec: RATE, durationMs: 9000 });
    await outage;

    // Every answer is a count or the catalogue's 503; nothing hangs, nothing else.
    const failed = samples.filter((s) => s.status !== 200);
    expect(failed.length).toBeGreaterThan(0);
    for (const s of failed) {
      expect({ status: s.status, body: JSON.parse(s.body) as unknown }).toEqual({
        status: 503,
        body: {
          error: 'REDIS_UNAVAILABLE',
          message: 'Redis is unavailable; the hit was not counted.',
        },
      });
    }
    const p99 = percentile(
      failed.map((s) => s.latencyMs),
      99,
    );
    expect(p99).toBeLessThan(1000);

    // Within 2 s of Redis being back, every node counts again.
    for (const node of ['web1', 'web2', 'web3']) {
      const first = samples.find((s) => s.at >= backAt && s.status === 200 && s.servedBy === node);
      expect([node, first !== undefined && first.at - backAt < 2000]).toEqual([node, true]);
    }

    // No count given twice; the counter kept every count it gave (AOF, appendfsync always).
    const counts = samples
      .filter((s) => s.status === 200)
      .map((s) => Number(/viewed (\d+) times/.exec(s.body)?.[1]));
    expect(new Set(counts).size).toBe(counts.length);
    const client = new Redis(redis.url);
    try {
      expect(Number(await client.get('counter'))).toBeGreaterThanOrEqual(Math.max(...counts));
    } finally {
      client.disconnect();
    }
    const firstBack = Math.min(
      ...['web1', 'web2', 'web3'].map(
        (n) => samples.find((s) => s.at >= backAt && s.status === 200 && s.servedBy === n)!.at,
      ),
    );
    report.redisOutage = {
      requests: samples.length,
      answered503: failed.length,
      p99Of503Ms: p99,
      outageMs: backAt - killedAt,
      allNodesServingAfterMs: Math.max(
        ...['web1', 'web2', 'web3'].map(
          (n) =>
            samples.find((s) => s.at >= backAt && s.status === 200 && s.servedBy === n)!.at -
            backAt,
        ),
      ),
      firstCountAfterMs: firstBack - backAt,
      countsGiven: counts.length,
      duplicateCounts: 0,
    };
  });
});

function tallyOf(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
