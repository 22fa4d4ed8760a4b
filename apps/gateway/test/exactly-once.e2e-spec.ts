import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type LoadSample,
  NodeProcess,
  RedisServer,
  ReplySwallower,
  type WebProcess,
  percentile,
  startGatewayProcess,
  startWebProcesses,
  steadyLoad,
  waitFor,
} from '@app/testing';
import Redis from 'ioredis';

/**
 * Exactly-once hits with real processes (issue #24): the built gateway with its defaults in
 * front of web1..3 (weights 1:2:3), web2 behind a relay that can swallow its replies, a real
 * Redis, 30 GET/s. web2 counts hits whose answers never arrive; the gateway's attempt fails and
 * the GET is retried on another node with the same Idempotency-Key, which answers the first
 * count. The counter must equal the 200s exactly. Figures: RELIABILITY_REPORT=1 writes them to
 * bench/results/exactly-once-latest.json (docs/reliability.md).
 */
const RATE = 30;
const report: Record<string, unknown> = {};

describe('exactly-once hits under lost replies (real processes)', () => {
  let redis: RedisServer;
  let client: Redis;
  let webs: WebProcess[];
  let relay: ReplySwallower;
  let gateway: NodeProcess;
  let url: string;

  beforeEach(async () => {
    redis = await RedisServer.start({ appendOnly: true });
    client = new Redis(redis.url);
    webs = await startWebProcesses(redis.url, { LOG_LEVEL: 'warn' });
    relay = await ReplySwallower.start(webs[1].port);
    const ports = [webs[0].port, relay.port, webs[2].port];
    ({ proc: gateway, url } = await startGatewayProcess(
      ports.map((port, i) => `http://127.0.0.1:${port} weight=${i + 1}`).join(','),
    ));
  });

  afterEach(async () => {
    await Promise.all([gateway, ...webs.map((w) => w.proc)].map((p) => p.stop()));
    await relay.close();
    client.disconnect();
    await redis.destroy();
  });

  afterAll(() => {
    if (process.env.RELIABILITY_REPORT) {
      writeFileSync(
        join(__dirname, '../../../bench/results/exactly-once-latest.json'),
        `${JSON.stringify({ at: new Date().toISOString(), ...report }, null, 2)}\n`,
      );
    }
  });

  /** The counter once every late reply has landed (stable for a second). */
  async function counterAfterSettling(): Promise<number> {
    let last = -1;
    return waitFor(
      async () => {
        const now = Number(await client.get('counter'));
        const stable = now === last;
        last = now;
        return stable ? now : undefined;
      },
      { what: 'the counter to settle', intervalMs: 1000, timeoutMs: 15_000 },
    );
  }

  const answerOf = (s: LoadSample) => JSON.parse(s.body) as { count: number; node: string };

  /** What every scenario asserts; `replays` are the 200s answered from a first attempt. */
  async function expectExactlyOnce(samples: LoadSample[], scenario: string) {
    const ok = samples.filter((s) => s.status === 200);
    const replays = ok.filter((s) => s.replayed);
    const counter = await counterAfterSettling();
    // Before the assertions, so that a build without the fix reports its double counts.
    report[scenario] = {
      requests: samples.length,
      failed: samples.length - ok.length,
      p99Ms: percentile(
        samples.map((s) => s.latencyMs),
        99,
      ),
      counter,
      answered200: ok.length,
      doubleCounts: counter - ok.length,
      replayed: replays.length,
    };

    expect(samples.filter((s) => s.status !== 200).map((s) => [s.status, s.body, s.error])).toEqual(
      [],
    );
    // Every count was given to exactly one client, and every hit counted was answered.
    const counts = ok.map((s) => answerOf(s).count).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: counter }, (_, i) => i + 1));
    expect(counter).toBe(ok.length);
    // The lost replies were web2's; their retries were answered elsewhere with web2's count,
    // exactly as the hit script recorded it under the request's key (its x-request-id).
    expect(replays.length).toBeGreaterThan(0);
    for (const s of replays) {
      expect([answerOf(s).node, s.servedBy === 'web2']).toEqual(['web2', false]);
      expect(await client.get(`hits:id:${s.requestId}`)).toBe(`${answerOf(s).count} web2`);
    }
    // Each replay is one in the nodes' metric; none was answered without being one.
    let replayedMetric = 0;
    for (const w of webs.filter((w) => w.name !== 'web2'))
      replayedMetric += Number(
        /^web_hits_not_counted_total\{reason="replayed"\} (\d+)$/m.exec(
          await (await fetch(`${w.url}/metrics`)).text(),
        )?.[1],
      );
    expect(replayedMetric).toBe(replays.length);
  }

  const load = (durationMs: number) =>
    steadyLoad(`${url}/`, {
      ratePerSec: RATE,
      durationMs,
      headers: { accept: 'application/json' },
    });
  const after = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("web2's replies swallowed for 3 s under 30 GET/s: counter = 200s exactly, none failed", async () => {
    const fault = (async () => {
      await after(2000);
      relay.swallow();
      await after(3000);
      relay.release();
    })();
    const samples = await load(10_000);
    await fault;
    expect(relay.swallowedChunks).toBeGreaterThan(0);
    await expectExactlyOnce(samples, 'swallowedReplies');
  });

  it('web2 killed with counted hits unanswered: counter = 200s exactly, none failed', async () => {
    const fault = (async () => {
      await after(2000);
      // web2 counts what it gets from now on, and dies before any of it is answered.
      relay.swallow();
      await after(500);
      webs[1].proc.kill('SIGKILL');
      await webs[1].proc.exited;
      relay.release();
    })();
    const samples = await load(6000);
    await fault;
    expect(relay.swallowedChunks).toBeGreaterThan(0);
    await expectExactlyOnce(samples, 'killedNode');
  });
});
