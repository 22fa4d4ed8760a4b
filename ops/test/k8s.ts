// Building and reading the Kubernetes overlays (ops/k8s) for the manifest tests.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './stack';

const run = promisify(execFile);

export const OVERLAYS = ['lab', 'scaled', 'operator'] as const;
export type Overlay = (typeof OVERLAYS)[number];

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
export interface Container {
  name: string;
  image: string;
  ports?: ContainerPort[];
  env?: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
}
export interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    terminationGracePeriodSeconds?: number;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  };
}

/** `kubectl kustomize` of an overlay (or base), parsed. */
export function build(path: string): Promise<K8sObject[]> {
  return buildAt(join(ROOT, 'ops/k8s', path));
}

/** `kubectl kustomize` of any kustomization directory (a user's overlay in a test), parsed. */
export async function buildAt(dir: string): Promise<K8sObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((d) => d.toJS() as K8sObject);
}

/** Validation results of scripts/k8s-validate.mjs (the OpenAPI schema, kubernetes-models). */
export async function validate(
  path: string,
): Promise<{ kind: string; name: string; error: string | null }[]> {
  const { stdout } = await run(
    'bash',
    ['-c', `kubectl kustomize ops/k8s/${path} | node scripts/k8s-validate.mjs`],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as { kind: string; name: string; error: string | null }[];
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet']);

/** Every workload's pod template, by workload name. */
export function podTemplates(objects: K8sObject[]): Map<string, PodTemplate> {
  const templates = new Map<string, PodTemplate>();
  for (const o of objects)
    if (WORKLOADS.has(o.kind))
      templates.set(o.metadata.name, (o.spec as { template: PodTemplate }).template);
  return templates;
}

export function ofKind<T = K8sObject>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

/** Whether `labels` satisfy a label selector (matchLabels, or a plain map as Services use). */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** A container's env as plain values, Secret references resolved from the built Secrets. */
export function envValues(container: Container, objects: K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of container.env ?? []) {
    const ref = v.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name);
      const encoded = secret?.data?.[ref.key];
      if (encoded === undefined) throw new Error(`${v.name}: no Secret ${ref.name} key ${ref.key}`);
      env[v.name] = Buffer.from(encoded, 'base64').toString('utf8');
    } else env[v.name] = v.value ?? '';
  }
  return env;
}

/** The seconds a preStop `sleep N` holds the pod before SIGTERM (0 without one). */
export function preStopSleep(container: Container): number {
  const command = container.lifecycle?.preStop?.exec?.command ?? [];
  return command[0] === 'sleep' ? Number(command[1]) : 0;
}

/** A generated ConfigMap's file (`name-<hash>`), '' when absent. */
export function configMapFile(objects: K8sObject[], name: string, key: string): string {
  const prefix = `${name}-`;
  return (
    objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(prefix))?.data?.[
      key
    ] ?? ''
  );
}

const POD_DISCOVERY =
  /kubernetes_sd_configs:\n(\s+)- role: pod\n\s+namespaces:\n\s+own_namespace: true\n/;

/**
 * The Kubernetes Prometheus config with its pod discovery swapped for `discovery` (YAML lines
 * under the same key indentation, `$1` for it), for a live Prometheus with no cluster to
 * discover. Throws when nothing was swapped.
 */
export function withDiscovery(config: string, discovery: string): string {
  const swapped = config.replace(POD_DISCOVERY, discovery);
  if (swapped.includes('kubernetes_sd_configs')) throw new Error('pod discovery not found');
  return swapped;
}
