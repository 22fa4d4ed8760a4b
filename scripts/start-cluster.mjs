#!/usr/bin/env node
// `npm start`: the lab's cluster as local processes, no Docker needed.
//   redis-server (AOF on, data in .data/redis; skipped when REDIS_URL is set)
//   web1..web3 on 3001..3003
//   gateway on 8080 (admin on 127.0.0.1:8081) with the lab's weights 1:2:3
//   prometheus on 127.0.0.1:9090 when there is one (the tests' 3.5, else the one on PATH): the
//   compose scrape config and alert rules, targets moved to these processes (.data/prometheus)
// Output is prefixed per process; Ctrl-C stops them all (each drains first), Redis last: the
// gateway and the web nodes drain while Redis still answers.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import concurrently from 'concurrently';
import { onPath } from './lib/processes.mjs';
import { localPrometheusConfig } from '../ops/local/prometheus-config.ts';
import { PROMETHEUS_TOOLS_DIR } from '../libs/testing/src/prometheus-tools.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const redisPort = Number(env.REDIS_PORT ?? 6379);
const redisUrl = env.REDIS_URL || `redis://127.0.0.1:${redisPort}`;
const webMain = join(root, 'dist/apps/web/main.js');
const gatewayMain = join(root, 'dist/apps/gateway/main.js');

for (const main of [webMain, gatewayMain]) {
  if (!existsSync(main)) fail(`${main} is missing: run \`npm run build\` (npm start does).`);
}

/** @type {import('concurrently').ConcurrentlyCommandInput[]} */
const commands = [];
/** @type {import('node:child_process').ChildProcess | undefined} */
let redis;
let stopping = false;

if (!env.REDIS_URL) {
  if (!onPath('redis-server')) {
    fail(
      'redis-server is not on PATH: install it (apt-get install redis-server) or set REDIS_URL.',
    );
  }
  const dataDir = join(root, '.data/redis');
  mkdirSync(dataDir, { recursive: true });
  // Its own process group (detached): Ctrl-C in the terminal reaches the apps, not Redis, which
  // must keep answering while the web nodes drain; it is stopped once every app has exited.
  // appendfsync always: no acknowledged hit waits in an unsynced buffer when it stops.
  redis = spawn(
    'redis-server',
    [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dataDir,
      '--save',
      '',
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const stream of [redis.stdout, redis.stderr])
    stream.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n'))
        if (line.trim() !== '') console.log(`[redis]      ${line}`);
    });
  redis.once('exit', (code, signal) => {
    if (!stopping) console.log(`[redis]      exited (${signal ?? code})`);
  });
}

const webNodes = [
  { name: 'web1', port: 3001, color: 'green' },
  { name: 'web2', port: 3002, color: 'cyan' },
  { name: 'web3', port: 3003, color: 'magenta' },
];
for (const node of webNodes) {
  commands.push({
    name: node.name,
    prefixColor: node.color,
    command: `"${process.execPath}" "${webMain}"`,
    env: { PORT: String(node.port), NODE_NAME: node.name, REDIS_URL: redisUrl },
  });
}

commands.push({
  name: 'gateway',
  prefixColor: 'yellow',
  command: `"${process.execPath}" "${gatewayMain}"`,
  env: {
    PORT: env.GATEWAY_PORT ?? '8080',
    ADMIN_PORT: env.GATEWAY_ADMIN_PORT ?? '8081',
    UPSTREAMS: webNodes.map((n, i) => `http://127.0.0.1:${n.port} weight=${i + 1}`).join(','),
    REDIS_URL: redisUrl,
  },
});

const prometheusPort = Number(env.PROMETHEUS_PORT ?? 9090);
// The Prometheus 3.5 the tests run (scripts/ensure-system-deps.sh extracts it), as compose pins;
// else whatever `prometheus` is on PATH.
const prometheusBin = existsSync(join(PROMETHEUS_TOOLS_DIR, 'prometheus'))
  ? join(PROMETHEUS_TOOLS_DIR, 'prometheus')
  : onPath('prometheus')
    ? 'prometheus'
    : undefined;
const withPrometheus = prometheusBin !== undefined && env.PROMETHEUS !== 'off';
if (withPrometheus) {
  const dir = join(root, '.data/prometheus');
  mkdirSync(dir, { recursive: true });
  const gatewayAdmin = env.GATEWAY_ADMIN_PORT ?? '8081';
  const config = localPrometheusConfig(
    readFileSync(join(root, 'ops/prometheus/prometheus.yml'), 'utf8'),
    {
      ...Object.fromEntries(webNodes.map((n) => [`${n.name}:3000`, `127.0.0.1:${n.port}`])),
      'gateway:8081': `127.0.0.1:${gatewayAdmin}`,
      'localhost:9090': `127.0.0.1:${prometheusPort}`,
    },
    { ruleFiles: [join(root, 'ops/prometheus/alerts.yml')] },
  );
  writeFileSync(join(dir, 'prometheus.yml'), config);
  commands.push({
    name: 'prometheus',
    prefixColor: 'blue',
    command: [
      `"${prometheusBin}"`,
      `--config.file="${join(dir, 'prometheus.yml')}"`,
      `--storage.tsdb.path="${join(dir, 'data')}"`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`,
      '--enable-feature=exemplar-storage',
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ].join(' '),
  });
}

console.log(
  [
    'observable-cluster (local processes)',
    `  redis  ${redisUrl}${env.REDIS_URL ? ' (external)' : ' (AOF in .data/redis)'}`,
    ...webNodes.map((n, i) => `  ${n.name}   http://127.0.0.1:${n.port}/  weight ${i + 1}`),
    `  gateway http://127.0.0.1:${env.GATEWAY_PORT ?? 8080}/   (live view: http://127.0.0.1:${env.GATEWAY_ADMIN_PORT ?? 8081}/)`,
    withPrometheus
      ? `  prometheus http://127.0.0.1:${prometheusPort}/  (compose scrape config and alerts; PROMETHEUS=off to skip)`
      : '  prometheus not found: no local metrics store (bash scripts/ensure-system-deps.sh brings 3.5)',
    'Ctrl-C stops everything.',
  ].join('\n'),
);

const { result } = concurrently(commands, {
  prefix: '[{name}]',
  padPrefix: true,
  killSignal: 'SIGTERM',
  cwd: root,
});
// Every app has exited (a process killed by Ctrl-C "fails": a normal stop here): Redis last.
result
  .catch(() => undefined)
  .then(async () => {
    stopping = true;
    if (redis && redis.exitCode === null && redis.signalCode === null) {
      console.log('[redis]      stopping (the apps have exited)');
      redis.kill('SIGTERM');
      await once(redis, 'exit');
    }
    process.exit(0);
  });

function fail(message) {
  console.error(`npm start: ${message}`);
  redis?.kill('SIGTERM');
  process.exit(1);
}
