import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '@app/config';
import { EXEMPLAR_TRACE_ID_LABEL } from '@app/observability';
import { prometheusTool } from '@app/testing';
import { gatewayConfigSchema } from '../../apps/gateway/src/config/gateway.config';
import { webConfigSchema } from '../../apps/web/src/config/web.config';
import { dashboardFiles } from '../grafana/src/dashboards';
import { dockerfileBaseImages } from './docker';
import { ROOT, type PrometheusConfig, compose, envOf, readYaml } from './stack';

const run = promisify(execFile);

/**
 * Without an engine, in seconds (`npm run test:stack` starts the stack for real): checking
 * everything the stack is made of:
 * the compose file passes Compose v2's own check (`docker compose config`), every file and
 * variable it names is real,
 * Prometheus targets and Grafana datasources point at real services, and promtool passes.
 */
describe('docker compose stack (static checks)', () => {
  const stack = compose();
  const services = stack.services;
  const webs = ['web1', 'web2', 'web3'];

  it('passes `docker compose config` (Compose v2), with and without the loadtest profile', async () => {
    const { stdout: version } = await run('docker', ['compose', 'version', '--short']);
    expect(version).toMatch(/^v?2\./);
    await expect(run('docker', ['compose', 'config', '--quiet'], { cwd: ROOT })).resolves.toEqual({
      stdout: '',
      stderr: '',
    });
    const { stdout } = await run(
      'docker',
      ['compose', '--profile', 'loadtest', 'config', '--services'],
      { cwd: ROOT },
    );
    expect(stdout.trim().split('\n').sort()).toEqual([
      'gateway',
      'grafana',
      'k6',
      'otel-collector',
      'prometheus',
      'redis',
      'tempo',
      'web1',
      'web2',
      'web3',
    ]);
  });

  it('starts k6 only against a gateway that is healthy', () => {
    expect(compose().services.k6.depends_on).toEqual({
      gateway: { condition: 'service_healthy' },
      prometheus: { condition: 'service_started' },
    });
  });

  it("pins this year's releases, the lines the configs are written for", () => {
    const images = Object.fromEntries(
      Object.entries(services)
        .filter(([, service]) => !service.build)
        .map(([name, service]) => [name, service.image]),
    );
    expect(images).toEqual({
      redis: expect.stringMatching(/^redis:8\.0\.\d+-alpine$/),
      'otel-collector': expect.stringMatching(
        /^otel\/opentelemetry-collector-contrib:0\.1[5-9]\d\.\d+$/,
      ),
      tempo: expect.stringMatching(/^grafana\/tempo:3\.\d+\.\d+$/),
      prometheus: expect.stringMatching(/^prom\/prometheus:v3\.5\.\d+$/),
      grafana: expect.stringMatching(/^grafana\/grafana:13\.\d+\.\d+$/),
      k6: expect.stringMatching(/^grafana\/k6:2\.\d+\.\d+$/),
    });
  });

  it('names the collector exporter by its current type (otlp_grpc; `otlp` is a deprecated alias)', () => {
    const collector = readYaml<{
      exporters: Record<string, unknown>;
      service: { pipelines: Record<string, { exporters: string[] }> };
    }>('ops/otel-collector/config.yaml');
    expect(Object.keys(collector.exporters)).toEqual(['otlp_grpc/tempo']);
    expect(collector.service.pipelines.traces.exporters).toEqual(['otlp_grpc/tempo']);
  });

  it('writes Tempo 3 single-binary config: only blocks Tempo 3 knows (it refuses unknown keys)', () => {
    const tempo = readYaml<Record<string, unknown>>('ops/tempo/tempo.yaml');
    // Tempo v3.0.3 cmd/tempo/app/config.go: the top-level keys of Config (no ingester, compactor).
    const known = [
      'target',
      'auth_enabled',
      'multitenancy_enabled',
      'shutdown_delay',
      'stream_over_http_enabled',
      'http_api_prefix',
      'enable_go_runtime_metrics',
      'span_profiling',
      'memory',
      'server',
      'internal_server',
      'distributor',
      'metrics_generator_client',
      'live_store_client',
      'querier',
      'query_frontend',
      'metrics_generator',
      'ingest',
      'block_builder',
      'storage',
      'overrides',
      'memberlist',
      'usage_report',
      'cache',
      'backend_scheduler',
      'backend_scheduler_client',
      'backend_worker',
      'live_store',
    ];
    expect(Object.keys(tempo).filter((key) => !known.includes(key))).toEqual([]);
    expect(tempo).toMatchObject({
      backend_scheduler: { provider: { compaction: { compaction: { block_retention: '24h' } } } },
      backend_worker: { compaction: { block_retention: '24h' } },
    });
  });

  it('configures the collector without deprecated keys (telemetry metrics as a reader)', () => {
    const collector = readYaml<{
      service: { telemetry: { metrics: Record<string, unknown> } };
    }>('ops/otel-collector/config.yaml');
    expect(collector.service.telemetry.metrics).toEqual({
      readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: 8888 } } } }],
    });
  });

  it('has Tempo turn traces into service-graph and span metrics in Prometheus (the service map)', () => {
    const tempo = readYaml<{
      metrics_generator: { storage: { remote_write: { url: string }[] } };
      overrides: { defaults: { metrics_generator: { processors: string[] } } };
    }>('ops/tempo/tempo.yaml');
    expect(tempo.metrics_generator.storage.remote_write.map((w) => w.url)).toEqual([
      'http://prometheus:9090/api/v1/write',
    ]);
    expect(tempo.overrides.defaults.metrics_generator.processors).toEqual([
      'service-graphs',
      'span-metrics',
    ]);
    expect(compose().services.prometheus.command).toContain('--web.enable-remote-write-receiver');
  });

  it('names only files and folders that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) {
        expect([
          name,
          existsSync(join(ROOT, service.build.context, service.build.dockerfile ?? 'Dockerfile')),
        ]).toEqual([name, true]);
      }
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('.'))
          expect([name, source, existsSync(join(ROOT, source))]).toEqual([name, source, true]);
        else expect(Object.keys(stack.volumes)).toContain(source);
      }
    }
  });

  it('sets only variables the apps know, with values their schemas accept', () => {
    const known = (schema: { shape: object }) => Object.keys(schema.shape).sort();
    for (const name of webs) {
      const env = envOf(services[name]);
      expect(Object.keys(env).filter((k) => !known(webConfigSchema).includes(k))).toEqual([]);
      expect(loadConfig(webConfigSchema, env)).toMatchObject({
        NODE_NAME: name,
        PORT: 3000,
        REDIS_URL: 'redis://redis:6379',
      });
    }
    const gatewayEnv = envOf(services.gateway);
    expect(Object.keys(gatewayEnv).filter((k) => !known(gatewayConfigSchema).includes(k))).toEqual(
      [],
    );
    const gateway = loadConfig(gatewayConfigSchema, gatewayEnv);
    expect(gateway.UPSTREAMS.map((u) => [u.hostname, u.port, u.weight])).toEqual([
      ['web1', 3000, 1],
      ['web2', 3000, 2],
      ['web3', 3000, 3],
    ]);
  });

  it('points Prometheus at compose services and the ports those services listen on', () => {
    const prometheus = readYaml<PrometheusConfig>('ops/prometheus/prometheus.yml');
    const targets = Object.fromEntries(
      prometheus.scrape_configs.map((job) => [
        job.job_name,
        job.static_configs.flatMap((sc) => sc.targets),
      ]),
    );
    expect(targets.web).toEqual(webs.map((w) => `${w}:${envOf(services[w]).PORT}`));
    expect(targets.gateway).toEqual([`gateway:${envOf(services.gateway).ADMIN_PORT}`]);
    for (const target of Object.values(targets).flat()) {
      const host = target.split(':')[0];
      if (host === 'localhost') continue;
      expect(Object.keys(services)).toContain(host);
      // Prometheus can only reach what shares a network with it.
      expect(services[host].networks).toContain('monitoring');
    }
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(services.prometheus.volumes).toContain(
      './ops/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro',
    );
    expect(services.prometheus.command).toEqual(
      expect.arrayContaining([
        '--enable-feature=exemplar-storage',
        '--web.enable-remote-write-receiver',
      ]),
    );
  });

  it('provisions every datasource the dashboards use, with the exemplar label the apps emit', () => {
    const { datasources } = readYaml<{
      datasources: {
        uid: string;
        type: string;
        url: string;
        jsonData?: { exemplarTraceIdDestinations?: { name: string; datasourceUid: string }[] };
      }[];
    }>('ops/grafana/provisioning/datasources/datasources.yml');
    const uids = datasources.map((d) => d.uid);
    for (const [file, json] of Object.entries(dashboardFiles())) {
      const used = [...json.matchAll(/"uid": "([^"]+)"/g)]
        .map((m) => m[1])
        .filter((uid) => !uid.startsWith('oc-'));
      expect([file, used.filter((uid) => !uids.includes(uid))]).toEqual([file, []]);
    }
    const prometheus = datasources.find((d) => d.type === 'prometheus');
    expect(prometheus?.url).toBe('http://prometheus:9090');
    expect(prometheus?.jsonData?.exemplarTraceIdDestinations).toEqual([
      { name: EXEMPLAR_TRACE_ID_LABEL, datasourceUid: 'tempo' },
    ]);
    expect(datasources.find((d) => d.uid === 'tempo')?.url).toBe('http://tempo:3200');
  });

  it('has the committed dashboards exactly as ops/grafana/src/dashboards.ts renders them', () => {
    for (const [file, json] of Object.entries(dashboardFiles())) {
      expect([file, readFileSync(join(ROOT, 'ops/grafana/dashboards', file), 'utf8')]).toEqual([
        file,
        json,
      ]);
    }
  });

  it('pins every image, runs the apps on the .nvmrc Node as non-root, hardens what runs, publishes nothing it should not', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image && !service.build)
        expect([name, service.image]).toEqual([
          name,
          expect.stringMatching(/^[\w./-]+:v?\d+(\.\d+)*[\w.-]*$/),
        ]);
    }
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    // The base image(s) the Dockerfile names are the Node major of .nvmrc (what CI and `npm
    // start` run), whatever the form (`ARG NODE_IMAGE=` or FROM lines).
    const major = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim().replace(/^v/, '');
    const bases = dockerfileBaseImages();
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(new RegExp(`^node:${major}-[\\w-]+$`));
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(services.redis.ports).toBeUndefined();
    expect(services.gateway.ports).toEqual(['8080:8080', '127.0.0.1:8081:8081']);
    expect(services.prometheus.ports).toEqual(['127.0.0.1:9090:9090']);
    // Hardened like the stack test checks them running (npm run test:stack): read-only root,
    // no capabilities but the few Redis's entrypoint needs to drop to its user, no new privileges.
    for (const name of [...webs, 'gateway', 'redis', 'prometheus']) {
      const { read_only, cap_drop, cap_add, security_opt } = services[name];
      expect([name, read_only, cap_drop, security_opt]).toEqual([
        name,
        true,
        ['ALL'],
        ['no-new-privileges:true'],
      ]);
      expect([name, cap_add]).toEqual([
        name,
        name === 'redis' ? ['CHOWN', 'DAC_OVERRIDE', 'SETGID', 'SETUID'] : undefined,
      ]);
    }
    const grafana = envOf(services.grafana);
    expect(grafana.GF_SECURITY_ADMIN_PASSWORD).not.toBe('admin');
    expect(grafana.GF_AUTH_ANONYMOUS_ORG_ROLE).toBe('Viewer');
  });

  it('keeps secrets out of the repository', async () => {
    const { stdout } = await run('git', ['ls-files'], { cwd: ROOT });
    const tracked = stdout.trim().split('\n');
    expect(tracked.filter((f) => /(^|\/)\.env$/.test(f))).toEqual([]);
    const { stdout: ignored } = await run('git', ['check-ignore', '.env'], { cwd: ROOT });
    expect(ignored.trim()).toBe('.env');
    // .env.example documents names; no secret-looking variable carries a value.
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const secretsWithValues = example
      .split('\n')
      .filter((line) => /^[A-Z_]*(PASSWORD|SECRET|TOKEN|API_KEY)[A-Z_]*=.+/.test(line));
    expect(secretsWithValues).toEqual([]);
    for (const file of tracked.filter(
      (f) => !f.endsWith('.png') && !f.endsWith('package-lock.json'),
    )) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect([
        file,
        /-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}/.test(text),
      ]).toEqual([file, false]);
    }
  });

  describe('promtool', () => {
    it('accepts the Prometheus configuration and its rules', async () => {
      // The config names the rule file by its path inside the container; check a copy whose
      // rule_files points at the repository's file instead.
      const dir = mkdtempSync(join(tmpdir(), 'oc-prom-'));
      const config = readFileSync(join(ROOT, 'ops/prometheus/prometheus.yml'), 'utf8').replace(
        '/etc/prometheus/alerts.yml',
        join(ROOT, 'ops/prometheus/alerts.yml'),
      );
      writeFileSync(join(dir, 'prometheus.yml'), config);
      const { stdout } = await run(prometheusTool('promtool'), [
        'check',
        'config',
        join(dir, 'prometheus.yml'),
      ]);
      expect(stdout).toContain('SUCCESS: 7 rules found');
    });

    it('passes the alert rules’ unit tests', async () => {
      const { stdout } = await run(
        prometheusTool('promtool'),
        ['test', 'rules', 'alerts.test.yml'],
        {
          cwd: join(ROOT, 'ops/prometheus'),
        },
      );
      expect(stdout).toContain('SUCCESS');
    });
  });
});
