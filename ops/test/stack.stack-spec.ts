import { steadyLoad, waitFor } from '@app/testing';
import {
  LEFT_OUT,
  PROJECT,
  PUBLISHED,
  STARTED,
  buildWithBuildKit,
  containerOf,
  docker,
  dockerCompose,
  dockerfileBaseImages,
  healthOf,
  leftovers,
  listening,
  processUids,
  standIns,
} from './docker';
import { compose, readYaml } from './stack';

/**
 * `npm run test:stack`: docker-compose.yml started for real on a Docker engine with `docker
 * compose` v2, as the README says (scripts/stack/test-stack.sh starts an engine and prepares
 * stand-in images first), then checked through the published ports on 127.0.0.1 only — never
 * a container's bridge address.
 */
const GATEWAY = `http://127.0.0.1:${PUBLISHED.gateway}`;
const ADMIN = `http://127.0.0.1:${PUBLISHED.admin}`;
const PROMETHEUS = `http://127.0.0.1:${PUBLISHED.prometheus}`;

const figures: Record<string, string | number> = {};
const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

interface UpstreamView {
  node: string;
  state: string;
}

async function upstreamState(node: string): Promise<string> {
  const res = await fetch(`${ADMIN}/upstreams`);
  const body = (await res.json()) as { upstreams: UpstreamView[] };
  const upstream = body.upstreams.find((u) => u.node === node);
  if (!upstream) throw new Error(`${node} is not in /upstreams`);
  return upstream.state;
}

async function allHealthy(): Promise<true | undefined> {
  const states = await Promise.all(STARTED.map(healthOf));
  // Prometheus has no health check in compose: running is its best state.
  return states.every((s) => s === 'healthy' || s === 'running') ? true : undefined;
}

async function hitsTotal(): Promise<number | undefined> {
  const res = await fetch(`${GATEWAY}/hits`);
  if (res.status !== 200) return undefined;
  return ((await res.json()) as { total: number }).total;
}

describe('the compose stack, started for real', () => {
  let down = false;

  beforeAll(async () => {
    const images = [
      ...STARTED.map((s) => compose().services[s])
        .filter((s) => s.image && !s.build)
        .map((s) => s.image as string),
      ...dockerfileBaseImages(),
    ];
    const used = await standIns(images);
    process.stdout.write(
      `stack: project ${PROJECT}; starting ${STARTED.join(' ')}; left out (no image can be ` +
        `built here): ${LEFT_OUT.join(' ')}\n` +
        used.map((label) => `stack: stand-in ${label}\n`).join(''),
    );
    for (const port of Object.values(PUBLISHED)) {
      if (await listening(port))
        throw new Error(`127.0.0.1:${port} is taken: stop what listens there (a stack of yours?)`);
    }
    // A run cut short earlier may have left containers or a counter behind.
    await dockerCompose(['down', '-v', '--remove-orphans']);

    // The README's command, for the services that have images here: build, start, and return
    // once every one is healthy (or running, for those without a health check).
    const started = Date.now();
    await dockerCompose(['up', '--build', '--detach', '--wait', ...STARTED], 40 * 60_000);
    figures.up_build_wait_s = seconds(started);
    await waitFor(allHealthy, { timeoutMs: 120_000, intervalMs: 500, what: 'healthy services' });
    await waitFor(async () => ((await fetch(`${PROMETHEUS}/-/ready`)).ok ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'Prometheus ready',
    });
    figures.ready_s = seconds(started);
  }, 40 * 60_000);

  afterAll(async () => {
    if (!down) {
      const logs = await dockerCompose(['logs', '--tail=20', ...STARTED]).catch(String);
      process.stdout.write(`stack: logs before cleaning up\n${logs}\n`);
      await dockerCompose(['down', '-v', '--remove-orphans']).catch((err: Error) =>
        process.stdout.write(`stack: cleanup failed: ${err.message}\n`),
      );
    }
    process.stdout.write(
      `stack figures: ${Object.entries(figures)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}\n`,
    );
  }, 120_000);

  it("runs the lab's loop: 100 GET / count 1..100, shared 17/33/50 by weight 1:2:3", async () => {
    const counts: number[] = [];
    const shares: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${GATEWAY}/`);
      const body = await res.text();
      expect([res.status, body]).toEqual([200, expect.stringMatching(/^This page has been/)]);
      counts.push(Number(/viewed (\d+) times!/.exec(body)?.[1]));
      const node = res.headers.get('x-served-by') ?? 'none';
      shares[node] = (shares[node] ?? 0) + 1;
    }
    expect(counts).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // Smooth weighted round robin over 100 requests: 16 whole rounds of 6, then web3 web2 web1 web3.
    expect(shares).toEqual({ web1: 17, web2: 33, web3: 50 });
  });

  it('runs every container as non-root on a read-only root filesystem, with no capabilities', async () => {
    for (const service of STARTED) {
      const id = await containerOf(service);
      const [readOnly, capDrop] = (
        await docker([
          'inspect',
          '-f',
          '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}}',
          id,
        ])
      )
        .trim()
        .split(' ');
      expect([service, readOnly, capDrop]).toEqual([service, 'true', '[ALL]']);
      const uids = await processUids(service);
      expect([service, uids.length > 0, uids.filter((uid) => uid === 0)]).toEqual([
        service,
        true,
        [],
      ]);
    }
    for (const service of ['web1', 'gateway']) {
      expect((await dockerCompose(['exec', '-T', service, 'id', '-u'])).trim()).toBe('1000');
      await expect(dockerCompose(['exec', '-T', service, 'touch', '/app/written'])).rejects.toThrow(
        /Read-only file system/,
      );
    }
    expect(await processUids('prometheus')).toEqual([65534]);
  });

  it('loses no request while web2 is killed, shows it down, and re-admits it when started', async () => {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const loadStarted = Date.now();
    const load = steadyLoad(`${GATEWAY}/`, {
      ratePerSec: 20,
      until: done,
      maxDurationMs: 120_000,
      timeoutMs: 10_000,
    });
    let killedAt: number;
    let readmittedAt: number;
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      killedAt = Date.now();
      await dockerCompose(['kill', 'web2']);
      await waitFor(async () => ((await upstreamState('web2')) === 'down' ? true : undefined), {
        timeoutMs: 20_000,
        intervalMs: 100,
        what: 'web2 down in /upstreams',
      });
      figures.kill_detected_s = seconds(killedAt);
      await dockerCompose(['start', 'web2']);
      const restartedAt = Date.now();
      await waitFor(async () => ((await upstreamState('web2')) === 'up' ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'web2 up again in /upstreams',
      });
      readmittedAt = Date.now();
      figures.kill_to_readmitted_s = seconds(killedAt);
      figures.start_to_readmitted_s = seconds(restartedAt);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    } finally {
      finish();
    }
    const samples = await load;
    const [killed, readmitted] = [killedAt - loadStarted, readmittedAt - loadStarted];
    const during = samples.filter((s) => s.at >= killed && s.at <= readmitted);
    figures.kill_requests = samples.length;
    figures.kill_requests_while_web2_out = during.length;
    figures.kill_failures = samples.filter((s) => s.status !== 200).length;
    figures.kill_max_latency_ms = Math.max(...samples.map((s) => s.latencyMs));

    expect(samples.filter((s) => s.status !== 200).map((s) => [s.status, s.error])).toEqual([]);
    const servedBy = (from: number) =>
      new Set(samples.filter((s) => s.at > from).map((s) => s.servedBy));
    // Traffic went on around web2, and web2 serves again after re-admission.
    expect(during.length).toBeGreaterThan(0);
    expect(servedBy(readmitted).has('web2')).toBe(true);
  });

  it('keeps the counter across a Redis restart (named volume + AOF)', async () => {
    const before = await hitsTotal();
    // A hit web2 counted just before SIGKILL, whose answer was lost, is retried elsewhere with
    // the same Idempotency-Key and answered from that count, not counted again (issue #24):
    // the counter holds the 100 of the lab's loop plus one per request of the kill's load.
    figures.kill_double_counts = Number(before) - 100 - Number(figures.kill_requests);
    expect(figures.kill_double_counts).toBe(0);
    const started = Date.now();
    await dockerCompose(['restart', 'redis']);
    await waitFor(async () => ((await healthOf('redis')) === 'healthy' ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'redis healthy again',
    });
    const after = await waitFor(hitsTotal, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'GET /hits answering again',
    });
    figures.redis_restart_s = seconds(started);
    expect(after).toBe(before);
    const res = await fetch(`${GATEWAY}/`);
    expect(await res.text()).toBe(`This page has been viewed ${Number(before) + 1} times!`);
  });

  it('has Prometheus scraping the web nodes and the gateway, with the alert rules loaded', async () => {
    const targets = await waitFor(
      async () => {
        const res = await fetch(`${PROMETHEUS}/api/v1/targets?state=active`);
        const body = (await res.json()) as {
          data: { activeTargets: { labels: { job: string; instance: string }; health: string }[] };
        };
        const ours = body.data.activeTargets
          .filter((t) => t.labels.job === 'web' || t.labels.job === 'gateway')
          .map((t) => `${t.labels.job} ${t.labels.instance} ${t.health}`)
          .sort();
        return ours.every((t) => t.endsWith(' up')) ? ours : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'web and gateway targets up' },
    );
    expect(targets).toEqual([
      'gateway gateway:8081 up',
      'web web1:3000 up',
      'web web2:3000 up',
      'web web3:3000 up',
    ]);

    const alerts = readYaml<{ groups: { name: string; rules: { alert: string }[] }[] }>(
      'ops/prometheus/alerts.yml',
    );
    const res = await fetch(`${PROMETHEUS}/api/v1/rules?type=alert`);
    const loaded = (await res.json()) as {
      data: { groups: { name: string; rules: { name: string; health: string }[] }[] };
    };
    const names = (groups: { name: string; rules: { name?: string; alert?: string }[] }[]) =>
      groups.flatMap((g) => g.rules.map((r) => `${g.name}/${r.name ?? r.alert}`)).sort();
    expect(names(loaded.data.groups)).toEqual(names(alerts.groups));
    expect(loaded.data.groups.flatMap((g) => g.rules.filter((r) => r.health === 'err'))).toEqual(
      [],
    );
  });

  it(
    'builds the same Dockerfile with BuildKit, into images that hold only the runtime',
    async () => {
      const started = Date.now();
      for (const app of ['web', 'gateway']) {
        const tag = `${PROJECT}/${app}:buildkit`;
        try {
          await buildWithBuildKit(app, tag);
          // The bundled app, the non-root user, and no devDependency (jest) in the image.
          const probe =
            "require.resolve('/app/main.js'); let dev = true; try { require.resolve('jest', { paths: ['/app'] }) } catch { dev = false }; console.log(process.getuid(), dev)";
          expect(
            (await docker(['run', '--rm', '--read-only', tag, 'node', '-e', probe])).trim(),
          ).toBe('1000 false');
        } finally {
          await docker(['rmi', '-f', tag]).catch(() => undefined);
        }
      }
      figures.buildkit_s = seconds(started);
    },
    20 * 60_000,
  );

  it('leaves no container, network or volume of the project after down -v', async () => {
    expect((await leftovers()).length).toBeGreaterThan(0);
    const started = Date.now();
    down = true;
    await dockerCompose(['down', '-v', '--remove-orphans'], 180_000);
    figures.down_s = seconds(started);
    expect(await leftovers()).toEqual([]);
  });
});
