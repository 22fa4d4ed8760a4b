#!/usr/bin/env node
// npm run bench — side-by-side throughput of the gateway and a tuned nginx, in one run, on
// this machine's loopback only. A benchmark, not a test: it prints figures, it asserts nothing.
//
//   1. proxy-only  three trivial upstreams: direct, through the gateway, through nginx, and
//                  through a minimal Node proxy (bench/minimal-proxy.mjs: the floor for Node)
//   2. cluster     gateway + web1..3 + Redis, vs the same web nodes behind nginx and the floor
//   3. tracing     the cluster with tracing on (exporting to a local OTLP sink) vs off, and
//                  with 10% head sampling (parentbased_traceidratio 0.1) for comparison
//   4. memory      RSS of every process at the end of each phase
//
// Load: autocannon, BENCH_CONNECTIONS (50) connections for BENCH_DURATION seconds (10) after a
// BENCH_WARMUP (2 s) warm-up. Results: a table on stdout, JSON in bench/results/.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { onPath } from '../scripts/lib/processes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WEIGHTS = [1, 2, 3];
const children = new Set();
const tempDirs = [];

// The apps need Node >= 22 (package.json engines); an older `node` on PATH would measure
// something else. scripts/ensure-node.sh puts Node 24 first on PATH.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `bench: Node ${process.version} is too old (>= 22 needed): source scripts/ensure-node.sh first`,
  );
  process.exit(1);
}

function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Processes

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function start(name, command, args, env = {}) {
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-2000)));
  child.once('exit', (code, signal) => {
    children.delete(proc);
    if (!proc.stopping) console.error(`bench: ${name} exited (${code ?? signal}): ${stderr}`);
  });
  const proc = { name, child, stopping: false };
  children.add(proc);
  return proc;
}

async function stop(proc) {
  // Exited already (with a code, or killed by a signal): nothing to wait for.
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.stopping = true;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill('SIGTERM');
  const killer = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}

async function waitHttp(url, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`bench: ${url} did not come up`);
    await sleep(100);
  }
}

function childPids(pid) {
  try {
    return execFileSync('pgrep', ['-P', String(pid)])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // no children
  }
}

/** Resident memory of a process and its children (nginx workers), in MiB. */
function rssMiB(pid) {
  let kib = 0;
  for (const p of [pid, ...childPids(pid)]) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return Math.round(kib / 1024);
}

// ---------------------------------------------------------------------------------------------
// The parts under test

const node = process.execPath;

async function trivialUpstreams() {
  const ports = [await freePort(), await freePort(), await freePort()];
  const script = `
    const http = require('node:http');
    ${JSON.stringify(ports)}.forEach((port, i) => http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '8', 'x-served-by': 'u' + (i + 1) });
      res.end('hello u' + (i + 1));
    }).listen(port, '127.0.0.1'));`;
  const proc = start('upstreams', node, ['-e', script]);
  await Promise.all(ports.map((p) => waitHttp(`http://127.0.0.1:${p}/`)));
  return { proc, urls: ports.map((p) => `http://127.0.0.1:${p}`) };
}

async function redisServer() {
  const port = await freePort();
  const dir = tempDir('oc-bench-redis-');
  const proc = start('redis', 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'yes',
    '--dir',
    dir,
  ]);
  await sleep(300);
  return { proc, url: `redis://127.0.0.1:${port}` };
}

async function webNodes(redisUrl, tracingEnv) {
  const nodes = [];
  for (const name of ['web1', 'web2', 'web3']) {
    const port = await freePort();
    const proc = start(name, node, [join(root, 'dist/apps/web/main.js')], {
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_NAME: name,
      REDIS_URL: redisUrl,
      LOG_LEVEL: 'warn',
      SHUTDOWN_DELAY_MS: '0',
      ...tracingEnv,
    });
    nodes.push({ proc, url: `http://127.0.0.1:${port}` });
  }
  await Promise.all(nodes.map((n) => waitHttp(`${n.url}/health/ready`)));
  return nodes;
}

async function gateway(upstreamUrls, tracingEnv) {
  const port = await freePort();
  const admin = await freePort();
  const proc = start('gateway', node, [join(root, 'dist/apps/gateway/main.js')], {
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_PORT: String(admin),
    LOG_LEVEL: 'warn',
    ACCESS_LOG: 'false',
    UPSTREAMS: upstreamUrls.map((u, i) => `${u} weight=${WEIGHTS[i]}`).join(','),
    ...tracingEnv,
  });
  await waitHttp(`http://127.0.0.1:${admin}/health/ready`);
  return { proc, url: `http://127.0.0.1:${port}` };
}

/** nginx the tuned way: all cores, upstream keepalive, HTTP/1.1, `Connection ""`, no access log. */
async function nginx(upstreamUrls) {
  const port = await freePort();
  const dir = tempDir('oc-bench-nginx-');
  const servers = upstreamUrls
    .map((u, i) => `server ${u.replace('http://', '')} weight=${WEIGHTS[i]};`)
    .join(' ');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream cluster { ${servers} keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://cluster;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}`,
  );
  const proc = start('nginx', 'nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir]);
  await waitHttp(`http://127.0.0.1:${port}/`);
  return { proc, url: `http://127.0.0.1:${port}` };
}

/**
 * An OTLP/HTTP receiver that accepts and counts spans' bytes (the collector's stand-in), in its
 * own process: the load generator's event loop must not be the one receiving the spans.
 */
async function otlpSink() {
  const port = await freePort();
  const script = `
    let bytes = 0;
    require('node:http').createServer((req, res) => {
      req.on('data', (c) => (bytes += c.length));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
    }).listen(${port}, '127.0.0.1');
    process.on('message', () => process.send(bytes));`;
  const child = spawn(node, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const proc = { name: 'otlp-sink', child, stopping: false };
  children.add(proc);
  child.once('exit', () => children.delete(proc));
  await waitHttp(`http://127.0.0.1:${port}/`);
  return {
    url: `http://127.0.0.1:${port}`,
    bytes: () =>
      new Promise((resolve) => {
        child.once('message', resolve);
        child.send('bytes?');
      }),
    close: () => stop(proc),
  };
}

/** The floor: a minimal Node proxy with the same rotation (bench/minimal-proxy.mjs). */
async function minimalProxy(upstreamUrls) {
  const port = await freePort();
  const proc = start('minimal-proxy', node, [
    join(root, 'bench/minimal-proxy.mjs'),
    String(port),
    ...upstreamUrls.map((u, i) => `${u}=${WEIGHTS[i]}`),
  ]);
  await waitHttp(`http://127.0.0.1:${port}/`);
  return { proc, url: `http://127.0.0.1:${port}` };
}

// ---------------------------------------------------------------------------------------------
// Measuring

function load(url, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration, pipelining: 1 }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
  });
}

/** CPU time (user + system, ms) of a process and its children (nginx workers), from /proc. */
function cpuMs(pid) {
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  let ticks = 0;
  for (const p of [pid, ...childPids(pid)]) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // gone
    }
  }
  return ticks / ticksPerMs;
}

/**
 * One row: warm-up, then the measured run. With `proxy` (the process under test), also its
 * CPU time per request: what decides throughput when every core is busy.
 */
async function measure(label, url, proxy) {
  await load(url, WARMUP);
  const cpuBefore = proxy ? cpuMs(proxy.child.pid) : 0;
  const r = await load(url, DURATION);
  const cpu = proxy ? cpuMs(proxy.child.pid) - cpuBefore : undefined;
  const row = {
    label,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    // Microseconds of the proxy's CPU per request (10 ms tick resolution: ±1%).
    proxyCpuUsPerRequest:
      cpu === undefined || r.requests.total === 0
        ? undefined
        : Math.round((cpu * 1000) / r.requests.total),
  };
  const cpuText =
    row.proxyCpuUsPerRequest === undefined ? '' : `  proxy CPU ${row.proxyCpuUsPerRequest} µs/req`;
  console.log(
    `  ${label.padEnd(34)} ${String(row.rps).padStart(7)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  errors ${row.errors}  non-2xx ${row.non2xx}${cpuText}`,
  );
  return row;
}

function memory(procs) {
  return Object.fromEntries(procs.filter(Boolean).map((p) => [p.name, rssMiB(p.child.pid)]));
}

// ---------------------------------------------------------------------------------------------

async function main() {
  for (const main of ['web', 'gateway']) {
    try {
      readFileSync(join(root, 'dist/apps', main, 'main.js'));
    } catch {
      throw new Error(`dist/apps/${main}/main.js is missing: npm run bench builds first`);
    }
  }
  const haveNginx = onPath('nginx');
  const results = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    settings: { durationS: DURATION, warmupS: WARMUP, connections: CONNECTIONS },
    phases: {},
  };
  const off = { OTEL_SDK_DISABLED: 'true' };
  console.log(
    `bench: ${CONNECTIONS} connections, ${DURATION} s per run (+${WARMUP} s warm-up), ${results.machine.cpus} CPUs, node ${process.version}`,
  );
  if (!haveNginx)
    console.log('bench: nginx is not on PATH: nginx rows skipped (apt-get install nginx-light)');

  // 1. proxy-only
  console.log('\n1. proxy-only (three trivial upstreams, weights 1:2:3)');
  {
    const ups = await trivialUpstreams();
    const direct = await measure('direct (one upstream)', `${ups.urls[0]}/`);
    const gw = await gateway(ups.urls, off);
    const viaGateway = await measure('through the gateway', `${gw.url}/`, gw.proc);
    const mem = memory([ups.proc, gw.proc]);
    await stop(gw.proc);
    let viaNginx;
    if (haveNginx) {
      const ng = await nginx(ups.urls);
      viaNginx = await measure('through nginx (tuned)', `${ng.url}/`, ng.proc);
      Object.assign(mem, memory([ng.proc]));
      await stop(ng.proc);
    }
    const floor = await minimalProxy(ups.urls);
    const viaFloor = await measure('through a minimal Node proxy', `${floor.url}/`, floor.proc);
    Object.assign(mem, memory([floor.proc]));
    await stop(floor.proc);
    await stop(ups.proc);
    results.phases.proxyOnly = {
      direct,
      gateway: viaGateway,
      nginx: viaNginx,
      minimalNodeProxy: viaFloor,
      rssMiB: mem,
    };
  }

  // 2. cluster
  console.log('\n2. cluster (web1..3 + Redis; tracing off)');
  {
    const redis = await redisServer();
    const webs = await webNodes(redis.url, off);
    const direct = await measure('direct (web1)', `${webs[0].url}/`);
    const gw = await gateway(
      webs.map((w) => w.url),
      off,
    );
    const viaGateway = await measure('through the gateway', `${gw.url}/`, gw.proc);
    const mem = memory([gw.proc, ...webs.map((w) => w.proc), redis.proc]);
    await stop(gw.proc);
    let viaNginx;
    if (haveNginx) {
      const ng = await nginx(webs.map((w) => w.url));
      viaNginx = await measure('through nginx (tuned)', `${ng.url}/`, ng.proc);
      Object.assign(mem, memory([ng.proc]));
      await stop(ng.proc);
    }
    const floor = await minimalProxy(webs.map((w) => w.url));
    const viaFloor = await measure('through a minimal Node proxy', `${floor.url}/`, floor.proc);
    Object.assign(mem, memory([floor.proc]));
    await stop(floor.proc);
    await Promise.all([...webs.map((w) => stop(w.proc)), stop(redis.proc)]);
    results.phases.cluster = {
      direct,
      gateway: viaGateway,
      nginx: viaNginx,
      minimalNodeProxy: viaFloor,
      rssMiB: mem,
    };
  }

  // 3. tracing cost
  console.log(
    '\n3. tracing (cluster through the gateway; on = default sampling, exporting over OTLP)',
  );
  {
    const sink = await otlpSink();
    const rows = {};
    const mem = {};
    for (const [mode, env] of [
      ['off', off],
      ['on', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }],
      // Not the bar's setting: what the production advice (docs/performance.md) costs.
      [
        'sampled10',
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
          OTEL_TRACES_SAMPLER_ARG: '0.1',
        },
      ],
    ]) {
      const redis = await redisServer();
      const webs = await webNodes(redis.url, env);
      const gw = await gateway(
        webs.map((w) => w.url),
        env,
      );
      const label = mode === 'sampled10' ? 'tracing on, 10% sampled' : `tracing ${mode}`;
      rows[mode] = await measure(label, `${gw.url}/`, gw.proc);
      mem[mode] = memory([gw.proc, ...webs.map((w) => w.proc)]);
      await Promise.all([stop(gw.proc), ...webs.map((w) => stop(w.proc))]);
      await stop(redis.proc);
    }
    results.phases.tracing = { ...rows, exportedBytes: await sink.bytes(), rssMiB: mem };
    await sink.close();
  }

  // Summary
  const p = results.phases;
  const ratio = (a, b) => (a && b ? Math.round((a.rps / b.rps) * 100) / 100 : null);
  results.ratios = {
    proxyOnlyGatewayVsNginx: ratio(p.proxyOnly.gateway, p.proxyOnly.nginx),
    proxyOnlyGatewayVsDirect: ratio(p.proxyOnly.gateway, p.proxyOnly.direct),
    proxyOnlyNginxVsDirect: ratio(p.proxyOnly.nginx, p.proxyOnly.direct),
    proxyOnlyGatewayVsMinimal: ratio(p.proxyOnly.gateway, p.proxyOnly.minimalNodeProxy),
    proxyOnlyMinimalVsNginx: ratio(p.proxyOnly.minimalNodeProxy, p.proxyOnly.nginx),
    clusterGatewayVsNginx: ratio(p.cluster.gateway, p.cluster.nginx),
    clusterGatewayVsMinimal: ratio(p.cluster.gateway, p.cluster.minimalNodeProxy),
    clusterMinimalVsNginx: ratio(p.cluster.minimalNodeProxy, p.cluster.nginx),
    clusterGatewayVsDirect: ratio(p.cluster.gateway, p.cluster.direct),
    tracingOnVsOff: ratio(p.tracing.on, p.tracing.off),
    tracingSampled10VsOff: ratio(p.tracing.sampled10, p.tracing.off),
  };
  const sum = (rows) => rows.filter(Boolean).reduce((total, r) => total + r.errors + r.non2xx, 0);
  // The bar is about the gateway (every gateway row, tracing included); the others are context.
  results.errors = {
    gateway: sum([
      p.proxyOnly.gateway,
      p.cluster.gateway,
      p.tracing.off,
      p.tracing.on,
      p.tracing.sampled10,
    ]),
    others: sum(
      [p.proxyOnly, p.cluster].flatMap((ph) => [ph.direct, ph.nginx, ph.minimalNodeProxy]),
    ),
  };

  console.log('\nratios (same run):');
  for (const [k, v] of Object.entries(results.ratios))
    console.log(`  ${k.padEnd(28)} ${v ?? 'n/a'}`);
  console.log(`  errors + non-2xx, gateway rows  ${results.errors.gateway}`);
  console.log(`  errors + non-2xx, other rows    ${results.errors.others}`);
  console.log('\nRSS (MiB) at the end of each phase:');
  console.log(`  proxy-only ${JSON.stringify(p.proxyOnly.rssMiB)}`);
  console.log(`  cluster    ${JSON.stringify(p.cluster.rssMiB)}`);
  console.log(`  tracing    ${JSON.stringify(p.tracing.rssMiB)}`);

  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${results.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nbench: results in ${file}`);
}

async function cleanup() {
  await Promise.all([...children].map((p) => stop(p)));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
main().then(
  () => cleanup(),
  async (err) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  },
);
