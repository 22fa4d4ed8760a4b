import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { EXEMPLAR_TRACE_ID_LABEL } from '@app/observability';
import {
  NodeProcess,
  PrometheusServer,
  RedisServer,
  freePort,
  OtlpSink,
  promtoolPushMetrics,
  startWebProcesses,
  waitFor,
} from '@app/testing';
import { DASHBOARDS } from '../grafana/src/dashboards';
import { localPrometheusConfig } from '../local/prometheus-config';
import { ROOT, compose } from './stack';

/** What Grafana substitutes for template variables and interval macros. */
function fill(expr: string): string {
  return expr
    .replace(/\$__rate_interval/g, '30s')
    .replace(/\$__range/g, '5m')
    .replace(/\$__interval/g, '5s')
    .replace(/\$(upstream|node|testid)\b/g, '.*');
}

/** The flags compose gives Prometheus that change what it accepts (features, receivers). */
function composeFeatureFlags(): string[] {
  return (compose().services.prometheus.command ?? []).filter(
    (flag) => flag.startsWith('--enable-feature=') || flag.startsWith('--web.enable-'),
  );
}

/**
 * Every dashboard panel's PromQL, run on a real Prometheus scraping the real cluster (three
 * built web nodes, the built gateway, Redis) with the same scrape configuration as compose,
 * its targets moved to this machine's ports.
 */
describe('Grafana dashboards against live Prometheus data', () => {
  let redis: RedisServer;
  let prometheus: PrometheusServer;
  const procs: NodeProcess[] = [];
  let gatewayUrl: string;
  let otlp: OtlpSink;

  beforeAll(async () => {
    redis = await RedisServer.start();
    // Exporting, as in compose (the collector): exemplars only point at traces that are sent.
    otlp = await OtlpSink.start();
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url };
    const webs = await startWebProcesses(redis.url, tracing);
    procs.push(...webs.map((w) => w.proc));
    const targets: Record<string, string> = Object.fromEntries(
      webs.map((w) => [`${w.name}:3000`, `127.0.0.1:${w.port}`]),
    );
    const webUrls = webs.map((w) => w.url);
    const adminPort = await freePort();
    const gateway = NodeProcess.start('gateway', {
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_PORT: String(adminPort),
      UPSTREAMS: webUrls.map((u, i) => `${u} weight=${i + 1}`).join(','),
      ACCESS_LOG: 'false',
      ...tracing,
    });
    procs.push(gateway);
    gatewayUrl = (await gateway.waitForLog(/data plane listening on (http:\/\/\S+) /))[1];
    targets['gateway:8081'] = `127.0.0.1:${adminPort}`;

    const config = localPrometheusConfig(
      readFileSync(join(ROOT, 'ops/prometheus/prometheus.yml'), 'utf8'),
      targets,
      {
        scrapeInterval: '1s',
        ruleFiles: [join(ROOT, 'ops/prometheus/alerts.yml')],
      },
    );
    prometheus = await PrometheusServer.start(config, composeFeatureFlags());

    // Prometheus applies discovered targets a few seconds after start: wait until it scrapes
    // all four, then send traffic over a few scrapes so rates have samples on both sides.
    await waitFor(
      async () =>
        (await prometheus.value('count(up{job=~"web|gateway"} == 1)')) === 4 ? true : undefined,
      {
        timeoutMs: 30_000,
        what: 'Prometheus to scrape the four targets',
      },
    );
    for (let round = 0; round < 4; round++) {
      await Promise.all(
        Array.from({ length: 30 }, () => fetch(`${gatewayUrl}/`).then((r) => r.text())),
      );
      await new Promise((resolve) => setTimeout(resolve, 1100)); // one scrape interval between rounds
    }
    await waitFor(
      async () =>
        (await prometheus.value('sum(gateway_requests_total{upstream!="none"})')) === 120
          ? true
          : undefined,
      { timeoutMs: 20_000, what: 'Prometheus to see all 120 requests' },
    );
    await waitFor(
      async () =>
        ((await prometheus.value(
          'min(count_over_time(gateway_requests_total{upstream!="none"}[30s]))',
        )) ?? 0) >= 6
          ? true
          : undefined,
      { timeoutMs: 20_000, what: 'enough samples for rate()' },
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(procs.map((p) => p.stop()));
    await redis?.destroy();
    await otlp?.close();
  });

  it('scrapes the cluster under the compose job and instance names', async () => {
    const up = await prometheus.query('up{job=~"web|gateway"}');
    expect(
      up.data?.result.map((r) => `${r.metric.job} ${r.metric.instance} ${r.value?.[1]}`).sort(),
    ).toEqual(['gateway gateway:8081 1', 'web web1:3000 1', 'web web2:3000 1', 'web web3:3000 1']);
    expect(await prometheus.value('sum(web_hits_total{node="web3"})')).toBe(60);
  });

  for (const dashboard of DASHBOARDS) {
    describe(dashboard.title, () => {
      it.each(
        dashboard.panels.flatMap((p) => p.queries.map((q) => [p.title, q.legend, q.expr] as const)),
      )('%s [%s] parses%s', async (_panel, _legend, expr) => {
        const result = await prometheus.query(fill(expr));
        expect({ status: result.status, error: result.error }).toEqual({
          status: 'success',
          error: undefined,
        });
        // k6's and Tempo's panels only have data while they write to Prometheus.
        if (!dashboard.writtenBy) expect(result.data?.result.length).toBeGreaterThan(0);
      });

      it('has template variables that resolve to values', async () => {
        for (const query of Object.values(dashboard.variables)) {
          const metric = /^label_values\((\w+), (\w+)\)$/.exec(query);
          expect(metric).not.toBeNull();
          const res = await fetch(
            `${prometheus.url}/api/v1/label/${metric![2]}/values?match[]=${metric![1]}`,
          );
          const body = (await res.json()) as { status: string; data: string[] };
          expect(body.status).toBe('success');
          if (!dashboard.writtenBy) expect(body.data.length).toBeGreaterThan(0);
        }
      });
    });
  }

  it('runs with the feature flags compose passes', () => {
    expect(composeFeatureFlags()).toEqual([
      '--enable-feature=exemplar-storage',
      '--web.enable-remote-write-receiver',
    ]);
  });

  // Exemplars travel only in OpenMetrics: finding them is also Prometheus negotiating
  // OpenMetrics with the apps (Prometheus 3 asks for it first; the apps honour the Accept).
  it('stores trace exemplars under the label Grafana follows to Tempo', async () => {
    const params = new URLSearchParams({
      query: 'gateway_request_duration_seconds_bucket',
      start: String(Date.now() / 1000 - 600),
      end: String(Date.now() / 1000 + 60),
    });
    const res = await fetch(`${prometheus.url}/api/v1/query_exemplars?${params.toString()}`);
    const body = (await res.json()) as {
      data: { exemplars: { labels: Record<string, string> }[] }[];
    };
    const labels = body.data.flatMap((series) =>
      series.exemplars.map((e) => Object.keys(e.labels)),
    );
    expect(labels.length).toBeGreaterThan(0);
    for (const keys of labels) expect(keys).toEqual([EXEMPLAR_TRACE_ID_LABEL]);
  });

  it('accepts remote writes, as k6 and Tempo send them (--web.enable-remote-write-receiver)', async () => {
    await promtoolPushMetrics(
      `${prometheus.url}/api/v1/write`,
      '# TYPE oc_remote_write_probe gauge\noc_remote_write_probe{source="test"} 42\n',
    );
    const value = await waitFor(() => prometheus.value('oc_remote_write_probe{source="test"}'), {
      timeoutMs: 10_000,
      what: 'the pushed sample',
    });
    expect(value).toBe(42);
  });

  it('loads the alert rules and keeps them quiet on a healthy 1:2:3 cluster', async () => {
    const res = await fetch(`${prometheus.url}/api/v1/rules`);
    const body = (await res.json()) as {
      data: { groups: { rules: { name: string; health: string; state: string }[] }[] };
    };
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name).sort()).toEqual([
      'HighErrorRatio',
      'HighP99Latency',
      'RedisDown',
      'SpansDropped',
      'TrafficSkew',
      'UpstreamEjected',
      'WebNodeDown',
    ]);
    await waitFor(async () => {
      const now = (
        (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as typeof body
      ).data.groups.flatMap((g) => g.rules);
      return now.every((r) => r.health === 'ok') ? now : undefined;
    });
    const firing = await prometheus.query('ALERTS');
    expect(firing.data?.result).toEqual([]);
  });
});
