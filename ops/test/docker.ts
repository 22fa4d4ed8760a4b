// Driving the compose stack through `docker compose` (Compose v2, the CLI plugin
// scripts/ensure-system-deps.sh installs) and the docker CLI, for `npm run test:stack`: the
// commands the README gives users. Tests reach containers only through published ports on 127.0.0.1;
// these helpers are for starting, inspecting and stopping them.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { ROOT } from './stack';

const run = promisify(execFile);

/** The compose project of the stack test: its own name, so a user's own stack is left alone. */
export const PROJECT = process.env.STACK_PROJECT ?? 'oc-stack-test';

/** What the test starts, and what stays out (no Debian or npm build of these images here). */
export const STARTED = ['redis', 'web1', 'web2', 'web3', 'gateway', 'prometheus'] as const;
export const LEFT_OUT = ['otel-collector', 'tempo', 'grafana', 'k6'] as const;
export type StartedService = (typeof STARTED)[number];

/** The ports compose publishes for what the test starts. */
export const PUBLISHED = { gateway: 8080, admin: 8081, prometheus: 9090 } as const;

const env = {
  ...process.env,
  COMPOSE_PROJECT_NAME: PROJECT,
  // The classic builder unless the caller chose BuildKit (the Dockerfile's `# syntax=` frontend
  // image comes from Docker Hub, out of reach here).
  DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '0',
};

const MiB = 1024 * 1024;

/** `docker compose <args>`, as a user types it; rejects with compose's stderr. */
export async function dockerCompose(args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await run('docker', ['compose', '--ansi', 'never', ...args], {
    cwd: ROOT,
    env,
    timeout: timeoutMs,
    maxBuffer: 64 * MiB,
  }).catch((err: Error & { stderr?: string }) => {
    throw new Error(`docker compose ${args.join(' ')}: ${err.message}\n${err.stderr ?? ''}`);
  });
  return stdout;
}

export async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run('docker', args, { env, timeout: timeoutMs, maxBuffer: 16 * MiB });
  return stdout;
}

/** The container id of a service (one container each in this stack), running or not. */
export async function containerOf(service: string): Promise<string> {
  const id = (await dockerCompose(['ps', '--all', '-q', service])).trim();
  if (!id) throw new Error(`no container for ${service}`);
  return id;
}

/** Compose's own view: the health state when the service has a health check, else the state. */
export async function healthOf(service: string): Promise<string> {
  const id = await containerOf(service);
  const format = '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}';
  return (await docker(['inspect', '-f', format, id])).trim();
}

/** Uids of every process in a container, as the engine sees them (`docker top`). */
export async function processUids(service: string): Promise<number[]> {
  const lines = (await docker(['top', await containerOf(service), '-o', 'pid,uid']))
    .trim()
    .split('\n')
    .slice(1);
  return lines.map((line) => Number(line.trim().split(/\s+/)[1]));
}

/** Everything of the project the engine still has: containers, networks, volumes. */
export async function leftovers(): Promise<string[]> {
  const label = `label=com.docker.compose.project=${PROJECT}`;
  const lists = await Promise.all([
    docker(['ps', '-a', '--filter', label, '--format', 'container {{.Names}}']),
    docker(['network', 'ls', '--filter', label, '--format', 'network {{.Name}}']),
    docker(['volume', 'ls', '--filter', label, '--format', 'volume {{.Name}}']),
  ]);
  return lists.flatMap((list) => list.split('\n').filter(Boolean));
}

/**
 * The images the Dockerfile builds FROM: its `ARG NODE_IMAGE=` default and FROM lines naming an
 * image (not a variable, not an earlier stage) — what scripts/stack/stand-ins.sh reads too.
 */
export function dockerfileBaseImages(): string[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const stages = new Set([...text.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]));
  const images = [
    ...[...text.matchAll(/^ARG NODE_IMAGE=(\S+)$/gm)].map((m) => m[1]),
    ...[...text.matchAll(/^FROM\s+(\S+)/gim)].map((m) => m[1]),
  ].filter((image) => !image.includes('$') && !stages.has(image));
  return [...new Set(images)];
}

/** Images compose uses that are local stand-ins (label set by scripts/stack/stand-ins.sh). */
export async function standIns(images: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const image of images) {
    const label = (
      await docker([
        'image',
        'inspect',
        '-f',
        '{{index .Config.Labels "org.observable-cluster.stand-in"}}',
        image,
      ])
    ).trim();
    if (label && label !== '<no value>') found.push(label);
  }
  return found;
}

/** Whether something already listens on a loopback port (the stack would fail to publish it). */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A docker CLI that builds with BuildKit here: the `buildx` plugin, or Debian's docker 20.10
 * client (BuildKit built in). The newer CLI on PATH needs buildx, which Debian bookworm lacks.
 */
export async function buildKitCommand(): Promise<string[]> {
  const ok = (file: string, args: string[]) =>
    run(file, args, { env, timeout: 10_000 }).then(
      () => true,
      () => false,
    );
  if (await ok('docker', ['buildx', 'version'])) return ['docker', 'buildx', 'build', '--load'];
  if (await ok('/usr/bin/docker', ['--version'])) return ['/usr/bin/docker', 'build'];
  throw new Error('no docker CLI with BuildKit (the buildx plugin, or a docker 20.10 client)');
}

/**
 * Build one app's image with BuildKit from the repository's Dockerfile, its `# syntax=`
 * directive removed (that frontend image comes from Docker Hub, out of reach here).
 */
export async function buildWithBuildKit(app: string, tag: string): Promise<void> {
  const [file, ...args] = await buildKitCommand();
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/^# syntax=.*\n/m, '');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(file, [...args, '--build-arg', `APP=${app}`, '-t', tag, '-f', '-', '.'], {
      cwd: ROOT,
      env: { ...env, DOCKER_BUILDKIT: '1' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`BuildKit build of ${app} failed:\n${stderr}`)),
    );
    child.stdin.end(dockerfile);
  });
}
