import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '@app/config';
import {
  PrometheusServer,
  prometheusTool,
  RedisServer,
  type WebProcess,
  waitFor,
  freePort,
  startGatewayProcess,
  startWebProcess,
} from '@app/testing';
import type { NodeProcess } from '@app/testing';
import { gatewayConfigSchema } from '../../apps/gateway/src/config/gateway.config';
import { webConfigSchema } from '../../apps/web/src/config/web.config';
import { dashboardFiles } from '../grafana/src/dashboards';
import { PROMETHEUS_RULE_FILE, prometheusRuleYaml } from '../k8s/prometheus-rule';
import {
  type Container,
  type K8sObject,
  OVERLAYS,
  type Overlay,
  type PodTemplate,
  build,
  buildAt,
  configMapFile,
  envValues,
  ofKind,
  podTemplates,
  preStopSleep,
  selects,
  validate,
  withDiscovery,
} from './k8s';
import { ROOT, compose } from './stack';

const run = promisify(execFile);

/**
 * The Kubernetes manifests (ops/k8s), checked without an API server: every overlay builds with
 * `kubectl kustomize` and validates against the OpenAPI schema (kubernetes-models), then
 * policy checks over the built objects — against the apps' own config schemas and routes, and
 * against docker-compose.yml (images, networks).
 */
const APP_IMAGES = {
  web: 'observable-cluster/web:local',
  gateway: 'observable-cluster/gateway:local',
} as const;
type App = keyof typeof APP_IMAGES;
const SCHEMAS = { web: webConfigSchema, gateway: gatewayConfigSchema } as const;

const built: Partial<Record<Overlay, K8sObject[]>> = {};
const objectsOf = (overlay: Overlay) => built[overlay] as K8sObject[];

/** Our apps' containers in an overlay: [workload name, app, container]. */
function appContainers(objects: K8sObject[]): [string, App, Container][] {
  const found: [string, App, Container][] = [];
  for (const [name, template] of podTemplates(objects))
    for (const c of template.spec.containers)
      for (const app of Object.keys(APP_IMAGES) as App[])
        if (c.image === APP_IMAGES[app]) found.push([name, app, c]);
  return found;
}

beforeAll(async () => {
  for (const overlay of OVERLAYS) built[overlay] = await build(`overlays/${overlay}`);
}, 60_000);

describe('Kubernetes manifests: build and schema', () => {
  it.each(OVERLAYS)(
    'builds %s with kubectl kustomize, and every object passes the OpenAPI schema',
    async (overlay) => {
      const results = await validate(`overlays/${overlay}`);
      expect(results.length).toBe(objectsOf(overlay).length);
      expect(results.filter((r) => r.error !== null)).toEqual([]);
    },
  );

  it('puts everything in one namespace', () => {
    for (const overlay of OVERLAYS)
      for (const o of objectsOf(overlay))
        expect([
          overlay,
          o.kind,
          o.metadata.name,
          o.kind === 'Namespace' ? 'observable-cluster' : o.metadata.namespace,
        ]).toEqual([overlay, o.kind, o.metadata.name, 'observable-cluster']);
  });

  it('runs the lab as three named nodes weighted 1:2:3, each its own headless Service', () => {
    const objects = objectsOf('lab');
    const [, , gateway] = appContainers(objects).find(([, app]) => app === 'gateway') ?? [];
    const config = loadConfig(gatewayConfigSchema, envValues(gateway as Container, objects));
    expect(config.UPSTREAMS.map((u) => [u.hostname, u.port, u.weight])).toEqual([
      ['web1', 3000, 1],
      ['web2', 3000, 2],
      ['web3', 3000, 3],
    ]);
    const webs = appContainers(objects).filter(([, app]) => app === 'web');
    expect(webs.map(([name, , c]) => [name, envValues(c, objects).NODE_NAME])).toEqual([
      ['web1', 'web1'],
      ['web2', 'web2'],
      ['web3', 'web3'],
    ]);
    const services = ofKind<
      K8sObject & { spec: { clusterIP?: string; selector: Record<string, string> } }
    >(objects, 'Service');
    const templates = podTemplates(objects);
    for (const node of ['web1', 'web2', 'web3']) {
      const service = services.find((s) => s.metadata.name === node);
      expect(service?.spec.clusterIP).toBe('None');
      // The name resolves to exactly that node's pod.
      const matched = [...templates].filter(([, t]) =>
        selects(service?.spec.selector, t.metadata.labels),
      );
      expect(matched.map(([name]) => name)).toEqual([node]);
    }
    const deployments = ofKind<K8sObject & { spec: { replicas: number } }>(objects, 'Deployment');
    expect(deployments.find((d) => d.metadata.name === 'gateway')?.spec.replicas).toBe(1);
  });

  it('scales one web Deployment by CPU behind a headless Service, with two or more gateways behind a LoadBalancer', () => {
    const objects = objectsOf('scaled');
    const [, , gateway] = appContainers(objects).find(([, app]) => app === 'gateway') ?? [];
    const config = loadConfig(gatewayConfigSchema, envValues(gateway as Container, objects));
    expect(config.UPSTREAMS.map((u) => [u.hostname, u.port, u.weight])).toEqual([['web', 3000, 1]]);
    const services = ofKind<
      K8sObject & {
        spec: { clusterIP?: string; type?: string; publishNotReadyAddresses?: boolean };
      }
    >(objects, 'Service');
    const web = services.find((s) => s.metadata.name === 'web');
    expect([web?.spec.clusterIP, web?.spec.publishNotReadyAddresses]).toEqual(['None', true]);
    expect(services.find((s) => s.metadata.name === 'gateway')?.spec.type).toBe('LoadBalancer');
    const hpas = ofKind<
      K8sObject & {
        spec: {
          scaleTargetRef: { kind: string; name: string };
          minReplicas: number;
          metrics: { resource: { name: string; target: { averageValue?: string } } }[];
        };
      }
    >(objects, 'HorizontalPodAutoscaler');
    expect(
      hpas.map((h) => [
        h.spec.scaleTargetRef.kind,
        h.spec.scaleTargetRef.name,
        h.spec.minReplicas,
        h.spec.metrics.map((m) => `${m.resource.name} ${m.resource.target.averageValue}`),
      ]),
    ).toEqual([
      // 0.7 of the one core a Node process can use (docs/scaling.md).
      ['Deployment', 'gateway', 2, ['cpu 700m']],
      ['Deployment', 'web', 3, ['cpu 700m']],
    ]);
    const deployments = ofKind<K8sObject & { spec: { replicas: number } }>(objects, 'Deployment');
    expect(deployments.find((d) => d.metadata.name === 'gateway')?.spec.replicas).toBe(2);
  });
});

describe('Kubernetes manifests: a managed Redis (component external-redis)', () => {
  it('drops the in-cluster Redis, and the apps read the URL from the Secret a user overlay replaces', async () => {
    // A user's overlay, outside the repository, as docs/scaling.md shows it.
    const dir = mkdtempSync(join(tmpdir(), 'oc-k8s-user-'));
    try {
      const k8s = relative(dir, join(ROOT, 'ops/k8s'));
      writeFileSync(join(dir, 'redis.env'), 'url=rediss://app:secret@redis.example.com:6380\n');
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          `resources: [${k8s}/overlays/scaled]`,
          `components: [${k8s}/components/external-redis]`,
          'secretGenerator:',
          '  - name: redis',
          '    behavior: replace',
          '    envs: [redis.env]',
          '',
        ].join('\n'),
      );
      const objects = await buildAt(dir);
      expect(objects.filter((o) => o.metadata.name === 'redis').map((o) => o.kind)).toEqual([]);
      expect(podTemplates(objects).has('redis')).toBe(false);
      for (const [name, app, c] of appContainers(objects)) {
        const config = loadConfig(SCHEMAS[app], envValues(c, objects));
        expect([name, config.REDIS_URL]).toEqual([
          name,
          'rediss://app:secret@redis.example.com:6380',
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Kubernetes manifests: policies over the built objects', () => {
  it('gives every container resources, a non-root user, a read-only root filesystem and no capabilities', () => {
    for (const overlay of OVERLAYS)
      for (const [name, template] of podTemplates(objectsOf(overlay)))
        for (const c of template.spec.containers) {
          const sc = c.securityContext ?? {};
          const nonRoot = sc.runAsNonRoot ?? template.spec.securityContext?.runAsNonRoot;
          const user = sc.runAsUser ?? template.spec.securityContext?.runAsUser;
          expect({
            where: `${overlay}/${name}/${c.name}`,
            requests: Object.keys(c.resources?.requests ?? {}).sort(),
            limits: Object.keys(c.resources?.limits ?? {}).sort(),
            nonRoot,
            userIsNotRoot: user !== undefined && user !== 0,
            readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
            allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
            drop: sc.capabilities?.drop,
            add: sc.capabilities?.add,
          }).toEqual({
            where: `${overlay}/${name}/${c.name}`,
            requests: ['cpu', 'memory'],
            limits: ['cpu', 'memory'],
            nonRoot: true,
            userIsNotRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            drop: ['ALL'],
            add: undefined,
          });
        }
  });

  it('sets only variables the apps know, with values their config schemas accept', () => {
    for (const overlay of OVERLAYS) {
      const objects = objectsOf(overlay);
      for (const [name, app, c] of appContainers(objects)) {
        const env = envValues(c, objects);
        const known = Object.keys(SCHEMAS[app].shape);
        expect([overlay, name, Object.keys(env).filter((k) => !known.includes(k))]).toEqual([
          overlay,
          name,
          [],
        ]);
        expect(() => loadConfig(SCHEMAS[app], env)).not.toThrow();
        // REDIS_URL comes from the Secret, never from a literal in the pod spec.
        expect(c.env?.find((v) => v.name === 'REDIS_URL')?.valueFrom?.secretKeyRef?.name).toMatch(
          /^redis-/,
        );
      }
    }
  });

  it('samples 10% of new traces in every overlay, following the caller’s decision (issue #21)', () => {
    for (const overlay of OVERLAYS) {
      const objects = objectsOf(overlay);
      for (const [name, app, c] of appContainers(objects)) {
        const config = loadConfig(SCHEMAS[app], envValues(c, objects)) as {
          OTEL_TRACES_SAMPLER?: string;
          OTEL_TRACES_SAMPLER_ARG?: number;
        };
        expect([overlay, name, config.OTEL_TRACES_SAMPLER, config.OTEL_TRACES_SAMPLER_ARG]).toEqual(
          [overlay, name, 'parentbased_traceidratio', 0.1],
        );
      }
    }
  });

  it('gives each app the time its drain takes: preStop + SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS', () => {
    for (const overlay of OVERLAYS) {
      const objects = objectsOf(overlay);
      const templates = podTemplates(objects);
      for (const [name, app, c] of appContainers(objects)) {
        const config = loadConfig(SCHEMAS[app], envValues(c, objects)) as {
          SHUTDOWN_DELAY_MS?: number;
          SHUTDOWN_TIMEOUT_MS: number;
        };
        const drain =
          preStopSleep(c) + ((config.SHUTDOWN_DELAY_MS ?? 0) + config.SHUTDOWN_TIMEOUT_MS) / 1000;
        const grace = templates.get(name)?.spec.terminationGracePeriodSeconds ?? 30;
        expect([overlay, name, preStopSleep(c) > 0, grace >= drain + 2]).toEqual([
          overlay,
          name,
          true,
          true,
        ]);
      }
    }
  });

  it('names the images compose builds and pulls, for every container', () => {
    const services = compose().services;
    const imageOf: Record<string, string | undefined> = {
      web: services.web1.image,
      gateway: services.gateway.image,
      redis: services.redis.image,
      prometheus: services.prometheus.image,
      grafana: services.grafana.image,
      tempo: services.tempo.image,
      'otel-collector': services['otel-collector'].image,
    };
    for (const overlay of OVERLAYS)
      for (const [name, template] of podTemplates(objectsOf(overlay))) {
        const app = template.metadata.labels['app.kubernetes.io/name'];
        for (const c of template.spec.containers)
          expect([overlay, name, c.image]).toEqual([overlay, name, imageOf[app]]);
      }
    expect(APP_IMAGES).toEqual({ web: services.web1.image, gateway: services.gateway.image });
  });

  it('matches every Service, PodDisruptionBudget and HPA to pods, and every named port to a container port', () => {
    for (const overlay of OVERLAYS) {
      const objects = objectsOf(overlay);
      const templates = [...podTemplates(objects)];
      const portsOf = (t: PodTemplate) => t.spec.containers.flatMap((c) => c.ports ?? []);
      for (const s of ofKind<
        K8sObject & {
          spec: {
            type?: string;
            selector?: Record<string, string>;
            ports: { targetPort: string | number }[];
          };
        }
      >(objects, 'Service')) {
        if (s.spec.type === 'ExternalName') continue;
        const matched = templates.filter(([, t]) => selects(s.spec.selector, t.metadata.labels));
        expect([overlay, s.metadata.name, matched.length > 0]).toEqual([
          overlay,
          s.metadata.name,
          true,
        ]);
        for (const [, t] of matched)
          for (const p of s.spec.ports)
            expect([
              overlay,
              s.metadata.name,
              p.targetPort,
              portsOf(t).some(
                (cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort,
              ),
            ]).toEqual([overlay, s.metadata.name, p.targetPort, true]);
      }
      for (const pdb of ofKind<
        K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }
      >(objects, 'PodDisruptionBudget')) {
        const matched = templates.filter(([, t]) =>
          selects(pdb.spec.selector.matchLabels, t.metadata.labels),
        );
        expect([overlay, pdb.metadata.name, matched.map(([n]) => n)]).toEqual([
          overlay,
          pdb.metadata.name,
          [pdb.metadata.name],
        ]);
      }
      for (const hpa of ofKind<K8sObject & { spec: { scaleTargetRef: { name: string } } }>(
        objects,
        'HorizontalPodAutoscaler',
      ))
        expect(templates.map(([n]) => n)).toContain(hpa.spec.scaleTargetRef.name);
      for (const [name, t] of templates)
        for (const c of t.spec.containers)
          for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
            const port = probe?.httpGet?.port;
            if (port === undefined) continue;
            expect([overlay, name, port, (c.ports ?? []).some((cp) => cp.name === port)]).toEqual([
              overlay,
              name,
              port,
              true,
            ]);
          }
    }
  });

  it('finds a Service, at the right port, for every address the shared configs and the apps name', () => {
    // The configurations reused from compose name compose services; in Kubernetes each must be
    // a Service of the same name with that port, whose pods (if any) also pass the policies.
    for (const overlay of OVERLAYS) {
      const objects = objectsOf(overlay);
      const addresses = new Set<string>();
      const add = (text: string, pattern: RegExp) => {
        for (const m of text.matchAll(pattern)) addresses.add(`${m[1]}:${m[2]}`);
      };
      add(
        configMapFile(objects, 'grafana-datasources', 'datasources.yml'),
        /url: https?:\/\/([a-z-]+):(\d+)/g,
      );
      add(configMapFile(objects, 'tempo', 'tempo.yaml'), /url: https?:\/\/([a-z-]+):(\d+)/g);
      add(
        configMapFile(objects, 'otel-collector', 'config.yaml'),
        /endpoint: ([a-z][a-z-]+):(\d+)/g,
      );
      for (const [, app, c] of appContainers(objects)) {
        const env = envValues(c, objects);
        for (const key of ['REDIS_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'UPSTREAMS'])
          add(env[key] ?? '', /\/\/([a-z][a-z0-9-]*):(\d+)/g);
        expect(app).toMatch(/^(web|gateway)$/);
      }
      const services = ofKind<K8sObject & { spec: { ports: { port: number }[] } }>(
        objects,
        'Service',
      );
      const missing = [...addresses].filter(
        (address) =>
          !services.some(
            (svc) =>
              `${svc.metadata.name}:${svc.spec.ports.find((p) => `${svc.metadata.name}:${p.port}` === address)?.port}` ===
              address,
          ),
      );
      expect([overlay, [...addresses].sort().length > 5, missing]).toEqual([overlay, true, []]);
    }
  });

  it('admits exactly the flows compose’s networks allow (the admin and probe ports narrower)', () => {
    const services = compose().services;
    const appOfService = (s: string) => (/^web\d$/.test(s) ? 'web' : s);
    const members = (network: string) =>
      new Set(
        Object.entries(services)
          .filter(([, svc]) => !svc.profiles && (svc.networks ?? []).includes(network))
          .map(([s]) => appOfService(s)),
      );
    const publicPorts = (app: string) =>
      Object.entries(services)
        .filter(([s]) => appOfService(s) === app)
        .flatMap(([, svc]) => svc.ports ?? [])
        .filter((p) => !p.startsWith('127.0.0.1:'))
        .map((p) => Number(p.split(':').at(-1)));

    for (const overlay of ['lab', 'scaled'] as const) {
      const objects = objectsOf(overlay);
      const templates = [...podTemplates(objects)];
      const appOf = (t: PodTemplate) => t.metadata.labels['app.kubernetes.io/name'];
      // Expected, from compose: a port published on all interfaces is reachable from anyone;
      // any port from every app sharing a network with its app, except the gateway's admin
      // port (monitoring only) and probe-only ports (the kubelet only).
      const expected = new Set<string>();
      for (const [, t] of templates) {
        const app = appOf(t);
        const service = Object.entries(services).find(([s]) => appOfService(s) === app)?.[1];
        for (const port of t.spec.containers.flatMap((c) => c.ports ?? [])) {
          if (port.name === 'health') continue;
          if (publicPorts(app).includes(port.containerPort))
            expected.add(`* -> ${app}:${port.containerPort}`);
          for (const network of service?.networks ?? []) {
            if (app === 'gateway' && port.name === 'admin' && network !== 'monitoring') continue;
            for (const from of members(network))
              expected.add(`${from} -> ${app}:${port.containerPort}`);
          }
        }
      }
      // Actual, from the NetworkPolicies (ingress is additive; default deny selects all).
      const actual = new Set<string>();
      type Rule = {
        from?: { podSelector?: { matchLabels?: Record<string, string> } }[];
        ports?: { port: string | number }[];
      };
      for (const policy of ofKind<
        K8sObject & {
          spec: { podSelector: { matchLabels?: Record<string, string> }; ingress?: Rule[] };
        }
      >(objects, 'NetworkPolicy'))
        for (const [, dst] of templates.filter(([, t]) =>
          selects(policy.spec.podSelector.matchLabels, t.metadata.labels),
        ))
          for (const rule of policy.spec.ingress ?? []) {
            const sources = rule.from
              ? templates
                  .filter(([, t]) =>
                    rule.from?.some((f) => selects(f.podSelector?.matchLabels, t.metadata.labels)),
                  )
                  .map(([, t]) => appOf(t))
              : ['*'];
            for (const port of dst.spec.containers.flatMap((c) => c.ports ?? []))
              if (
                !rule.ports ||
                rule.ports.some((p) => p.port === port.name || p.port === port.containerPort)
              )
                for (const from of sources)
                  actual.add(`${from} -> ${appOf(dst)}:${port.containerPort}`);
          }
      expect([overlay, [...actual].sort()]).toEqual([overlay, [...expected].sort()]);
      // The two the issue names, spelled out.
      expect([...actual].filter((f) => f.endsWith('-> redis:6379')).sort()).toEqual([
        'gateway -> redis:6379',
        'redis -> redis:6379',
        'web -> redis:6379',
      ]);
      expect([...actual].filter((f) => f.endsWith('-> gateway:8081')).sort()).toEqual(
        [...members('monitoring')].map((m) => `${m} -> gateway:8081`).sort(),
      );
    }
  });

  it('scrapes by pod discovery with the job names the alert rules use (promtool check config)', async () => {
    const objects = objectsOf('scaled');
    const config = configMapFile(objects, 'prometheus-config', 'prometheus.yml');
    expect(config).toContain('kubernetes_sd_configs');
    expect(config).toContain('__meta_kubernetes_pod_label_app_kubernetes_io_name');
    const rules = configMapFile(objects, 'prometheus-rules', 'alerts.yml');
    expect(rules).toBe(readFileSync(join(ROOT, 'ops/prometheus/alerts.yml'), 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), 'oc-k8s-prom-'));
    try {
      writeFileSync(join(dir, 'alerts.yml'), rules);
      // promtool 3.5 knows Kubernetes discovery: the config as the cluster gets it, rule path
      // moved to the copy beside it.
      const checkable = config.replace('/etc/prometheus/rules/alerts.yml', join(dir, 'alerts.yml'));
      writeFileSync(join(dir, 'prometheus.yml'), checkable);
      const { stdout } = await run(prometheusTool('promtool'), [
        'check',
        'config',
        join(dir, 'prometheus.yml'),
      ]);
      expect(stdout).toContain('SUCCESS: 7 rules found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Scraped pods: those annotated, at a port they expose.
    for (const [name, t] of podTemplates(objects)) {
      const a = t.metadata.annotations ?? {};
      if (a['prometheus.io/scrape'] !== 'true') continue;
      const ports = t.spec.containers.flatMap((c) => c.ports ?? []).map((p) => p.containerPort);
      expect([name, ports]).toEqual([
        name,
        expect.arrayContaining([Number(a['prometheus.io/port'])]),
      ]);
    }
  });

  it('ships the dashboards compose mounts, rendered from ops/grafana/src, and the operator rules from alerts.yml', () => {
    const objects = objectsOf('scaled');
    const dashboards = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('grafana-dashboards-'),
    );
    expect(dashboards?.data).toEqual(dashboardFiles());
    expect(readFileSync(join(ROOT, PROMETHEUS_RULE_FILE), 'utf8')).toBe(prometheusRuleYaml(ROOT));
    const monitors = ofKind<
      K8sObject & {
        spec: {
          jobLabel: string;
          selector: { matchLabels: Record<string, string> };
          podMetricsEndpoints: { port: string }[];
        };
      }
    >(objectsOf('operator'), 'PodMonitor');
    const templates = [...podTemplates(objectsOf('operator'))];
    for (const m of monitors) {
      const pods = templates.filter(([, t]) =>
        selects(m.spec.selector.matchLabels, t.metadata.labels),
      );
      expect([m.metadata.name, pods.length > 0, m.spec.jobLabel]).toEqual([
        m.metadata.name,
        true,
        'app.kubernetes.io/name',
      ]);
      for (const [, t] of pods)
        for (const e of m.spec.podMetricsEndpoints)
          expect(t.spec.containers.flatMap((c) => c.ports ?? []).map((p) => p.name)).toContain(
            e.port,
          );
    }
    // The operator overlay runs no Prometheus of its own.
    expect(podTemplates(objectsOf('operator')).has('prometheus')).toBe(false);
  });
});

describe('Kubernetes manifests: probes hit routes the apps serve (built apps, real Redis)', () => {
  let redis: RedisServer;
  let web: WebProcess;
  let gateway: { proc: NodeProcess; url: string; admin: string };

  beforeAll(async () => {
    redis = await RedisServer.start();
    web = await startWebProcess('web1', await freePort(), redis.url);
    gateway = await startGatewayProcess(`${web.url}`);
  });

  afterAll(async () => {
    await Promise.all([gateway?.proc.stop(), web?.proc.stop()]);
    await redis?.destroy();
  });

  it('turns annotated pods into the jobs the alert rules use (the relabeling, on a real Prometheus)', async () => {
    // Kubernetes discovery, played by file discovery with the same __meta_kubernetes_* labels
    // (Debian's prometheus is built without the Kubernetes SD): one target group per pod of the
    // scaled overlay, its IP 127.0.0.1 and its annotated port mapped to the running app's port.
    const objects = objectsOf('scaled');
    const config = configMapFile(objects, 'prometheus-config', 'prometheus.yml');
    const nowhere = await freePort();
    const localPort: Record<string, number> = {
      web: web.port,
      gateway: Number(new URL(gateway.admin).port),
    };
    const groups = [...podTemplates(objects)].map(([name, t]) => {
      const app = t.metadata.labels['app.kubernetes.io/name'];
      const labels: Record<string, string> = {
        __meta_kubernetes_pod_name: `${name}-0`,
        __meta_kubernetes_pod_ip: '127.0.0.1',
        __meta_kubernetes_pod_phase: 'Running',
      };
      for (const [k, v] of Object.entries(t.metadata.labels))
        labels[`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`] = v;
      for (const [k, v] of Object.entries(t.metadata.annotations ?? {}))
        labels[`__meta_kubernetes_pod_annotation_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`] =
          k === 'prometheus.io/port' ? String(localPort[app] ?? nowhere) : v;
      return { targets: [`${name}-0:1`], labels };
    });
    // A web pod still pending: no address yet, never scraped.
    groups.push({
      targets: ['web-pending:1'],
      labels: {
        ...groups.find((g) => g.labels.__meta_kubernetes_pod_name === 'web-0')?.labels,
        __meta_kubernetes_pod_name: 'web-pending',
        __meta_kubernetes_pod_phase: 'Pending',
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'oc-k8s-sd-'));
    let prometheus: PrometheusServer | undefined;
    try {
      writeFileSync(join(dir, 'pods.json'), JSON.stringify(groups));
      const fileSd = withDiscovery(
        config
          .replace('/etc/prometheus/rules/alerts.yml', join(ROOT, 'ops/prometheus/alerts.yml'))
          .replace('scrape_interval: 5s', 'scrape_interval: 1s'),
        `file_sd_configs:\n$1- files: ['${join(dir, 'pods.json')}']\n`,
      );
      prometheus = await PrometheusServer.start(fileSd);
      const url = prometheus.url;
      type Target = { labels: Record<string, string>; health: string; scrapeUrl: string };
      const targets = await waitFor(
        async () => {
          const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as {
            data: { activeTargets: Target[]; droppedTargets: unknown[] };
          };
          const pods = body.data.activeTargets.filter((t) => t.labels.job !== 'prometheus');
          const settled = pods.length === 4 && pods.every((t) => t.health !== 'unknown');
          return settled ? { pods, dropped: body.data.droppedTargets.length } : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: 'four pod targets scraped once' },
      );
      expect(
        targets.pods
          .map(
            (t) => `${t.labels.job} ${t.labels.pod} ${t.health} ${new URL(t.scrapeUrl).pathname}`,
          )
          .sort(),
      ).toEqual([
        'gateway gateway-0 up /metrics',
        'otel-collector otel-collector-0 down /metrics',
        'tempo tempo-0 down /metrics',
        'web web-0 up /metrics',
      ]);
      // Not annotated (redis, prometheus, grafana) or pending: dropped.
      expect(targets.dropped).toBe(4);
    } finally {
      await prometheus?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 200 on every probe path, at the port the probe names', async () => {
    // The manifest's port for the probe → the variable that sets it → that port here.
    const localPort = (app: App, variable: string) =>
      app === 'web'
        ? web.port
        : variable === 'ADMIN_PORT'
          ? Number(new URL(gateway.admin).port)
          : Number(new URL(gateway.url).port);
    const checked: string[] = [];
    for (const overlay of OVERLAYS) {
      const objects = objectsOf(overlay);
      for (const [name, app, c] of appContainers(objects)) {
        const env = envValues(c, objects);
        for (const [kind, probe] of Object.entries({
          startup: c.startupProbe,
          readiness: c.readinessProbe,
          liveness: c.livenessProbe,
        })) {
          const get = probe?.httpGet;
          expect([overlay, name, kind, get !== undefined]).toEqual([overlay, name, kind, true]);
          const port = (c.ports ?? []).find((p) => p.name === get?.port)?.containerPort;
          const variable = Object.entries(env).find(
            ([k, v]) => /PORT$/.test(k) && Number(v) === port,
          )?.[0];
          expect([overlay, name, kind, variable !== undefined]).toEqual([
            overlay,
            name,
            kind,
            true,
          ]);
          const res = await fetch(
            `http://127.0.0.1:${localPort(app, variable as string)}${get?.path}`,
          );
          expect([overlay, name, kind, get?.path, res.status]).toEqual([
            overlay,
            name,
            kind,
            get?.path,
            200,
          ]);
          checked.push(`${app} ${kind} ${get?.port} ${get?.path}`);
        }
      }
    }
    expect([...new Set(checked)].sort()).toEqual([
      'gateway liveness admin /health/live',
      'gateway readiness admin /health/live',
      'gateway startup admin /health/live',
      'web liveness http /health/live',
      'web readiness http /health/ready',
      'web startup http /health/live',
    ]);
  });
});
