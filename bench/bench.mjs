#!/usr/bin/env node
// npm run bench — side-by-side throughput of the project, the original lab it remakes and a
// tuned nginx, in one run, on this machine's loopback only. A benchmark, not a test: it prints
// figures and asserts nothing.
//
//   1. proxy-only  three trivial upstreams: direct, the gateway (as shipped, defaults with
//                  LOG_LEVEL=warn, lean, GATEWAY_WORKERS=2), a tuned nginx, a minimal Node
//                  proxy (the floor)
//   2. one node    the original lab's Express 4 node alone vs one web node (as shipped, lean,
//                  and lean with a fresh Idempotency-Key per request, as the gateway sends)
//   3. cluster     the original lab as shipped (its nginx.conf, three Express 4 nodes), the lab's
//                  nodes behind a tuned nginx, and the project's cluster as shipped / defaults
//                  with LOG_LEVEL=warn / lean / with GATEWAY_WORKERS=2
//   4. tracing     the cluster with tracing disabled, on without an exporter (the default),
//                  10% parent-based sampled and exported, and every span exported to a local
//                  OTLP sink (@opentelemetry/sdk-node as configured in libs/observability)
//
// "As shipped" is every default: tracing on (no exporter configured), LOG_LEVEL=info, the
// gateway's access log on, log lines written to a file. "Lean" is OTEL_SDK_DISABLED=true,
// ACCESS_LOG=false, LOG_LEVEL=warn.
//
// Load: wrk (C, Debian package `wrk`), one thread, BENCH_CONNECTIONS (50) connections,
// BENCH_DURATION seconds (10) after a BENCH_WARMUP (2 s) warm-up. A Node load generator
// takes most of a core and flattens every ratio, so autocannon is only a fallback when wrk is
// missing, and the output says so. Every row reports req/s, p50/p99, errors, and the CPU time
// per request of every process (from /proc); RSS is read at the end of each row.
// Results: a table on stdout, JSON in bench/results/.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { onPath } from '../scripts/lib/processes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * Where the apps under test are built (`dist/apps/*`): this checkout, or another one for an A/B
 * run of two builds (bench/ab.mjs sets it; the other checkout's dist resolves its own
 * node_modules).
 */
const appsRoot = process.env.BENCH_APPS_ROOT ?? root;
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
/** BENCH_ONLY=cluster,tracing runs only those phases (exploration; the docs quote full runs). */
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const WEIGHTS = [1, 2, 3];
const children = new Set();
const tempDirs = [];

// The project needs Node >= 24.9 (package.json engines); an older `node` on PATH would measure
// something else. scripts/ensure-node.sh puts Node 26 first on PATH.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 9)) {
  console.error(
    `bench: Node ${process.version} is too old (>= 24.9 needed): source scripts/ensure-node.sh first`,
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

/** Start a child; its stdout goes to `stdoutFile` (log lines cost what they cost) or nowhere. */
function start(name, command, args, env = {}, stdoutFile) {
  const stdout = stdoutFile ? openSync(stdoutFile, 'a') : 'ignore';
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', stdout, 'pipe'],
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

const stopAll = (procs) => Promise.all(procs.map((p) => stop(p)));

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

// ---------------------------------------------------------------------------------------------
// The parts under test

const node = process.execPath;
const LEAN = { OTEL_SDK_DISABLED: 'true', ACCESS_LOG: 'false', LOG_LEVEL: 'warn' };
const WARN = { LOG_LEVEL: 'warn' };
/** The gateway with GATEWAY_WORKERS=2 (one data plane per core here). */
const WARN_WORKERS = { ...WARN, GATEWAY_WORKERS: '2' };
const SHIPPED = {};

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
  return { procs: [proc], urls: ports.map((p) => `http://127.0.0.1:${p}`) };
}

async function redisServer() {
  const port = await freePort();
  const dir = tempDir('oc-bench-redis-');
  // The project's Redis settings (AOF on, as compose runs it).
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

/** The project's web1..web3 (or just web1) with `env` over the defaults. */
async function webNodes(redisUrl, env, count = 3) {
  const logDir = tempDir('oc-bench-logs-');
  const nodes = [];
  for (const name of ['web1', 'web2', 'web3'].slice(0, count)) {
    const port = await freePort();
    const proc = start(
      name,
      node,
      [join(appsRoot, 'dist/apps/web/main.js')],
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_NAME: name,
        REDIS_URL: redisUrl,
        // Not a throughput setting: the bench stops nodes at once instead of draining 3 s each.
        SHUTDOWN_DELAY_MS: '0',
        ...env,
      },
      join(logDir, `${name}.log`),
    );
    nodes.push({ proc, url: `http://127.0.0.1:${port}` });
  }
  await Promise.all(nodes.map((n) => waitHttp(`${n.url}/health/ready`)));
  return { procs: nodes.map((n) => n.proc), urls: nodes.map((n) => n.url) };
}

/** The original lab's Express 4 nodes (bench/lab/lab-node.cjs). */
async function labNodes(redisUrl, count = 3) {
  const nodes = [];
  for (const name of ['lab1', 'lab2', 'lab3'].slice(0, count)) {
    const port = await freePort();
    const proc = start(name, node, [join(root, 'bench/lab/lab-node.cjs')], {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl,
    });
    nodes.push({ proc, url: `http://127.0.0.1:${port}` });
  }
  await Promise.all(nodes.map((n) => waitHttp(`${n.url}/`)));
  return { procs: nodes.map((n) => n.proc), urls: nodes.map((n) => n.url) };
}

async function gateway(upstreamUrls, env) {
  const port = await freePort();
  const admin = await freePort();
  const logDir = tempDir('oc-bench-logs-');
  const proc = start(
    'gateway',
    node,
    [join(appsRoot, 'dist/apps/gateway/main.js')],
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_PORT: String(admin),
      UPSTREAMS: upstreamUrls.map((u, i) => `${u} weight=${WEIGHTS[i]}`).join(','),
      ...env,
    },
    join(logDir, 'gateway.log'),
  );
  await waitHttp(`http://127.0.0.1:${admin}/health/ready`);
  return { proc, url: `http://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${admin}` };
}

const hostPort = (url) => url.replace('http://', '');

/** nginx the tuned way: all cores, upstream keepalive, HTTP/1.1, `Connection ""`, no access log. */
async function tunedNginx(upstreamUrls) {
  const port = await freePort();
  const dir = tempDir('oc-bench-nginx-');
  const servers = upstreamUrls
    .map((u, i) => `server ${hostPort(u)} weight=${WEIGHTS[i]};`)
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
  return startNginx('nginx', dir, port);
}

/** The original lab's nginx, from bench/lab/nginx.conf.template with only paths filled in. */
async function labNginx(upstreamUrls) {
  const port = await freePort();
  const dir = tempDir('oc-bench-lab-nginx-');
  const conf = readFileSync(join(root, 'bench/lab/nginx.conf.template'), 'utf8')
    .replaceAll('{{dir}}', dir)
    .replaceAll('{{listen}}', `127.0.0.1:${port}`)
    .replace(/\{\{upstream(\d)\}\}/g, (_, i) => hostPort(upstreamUrls[Number(i) - 1]));
  writeFileSync(join(dir, 'nginx.conf'), conf);
  return startNginx('lab-nginx', dir, port);
}

async function startNginx(name, dir, port) {
  const proc = start(name, 'nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir]);
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
    proc,
    url: `http://127.0.0.1:${port}`,
    bytes: () =>
      new Promise((resolve) => {
        child.once('message', resolve);
        child.send('bytes?');
      }),
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
// Load

const haveWrk = onPath('wrk');

/** wrk's duration units → milliseconds ("812.00us", "1.20ms", "2.01s"). */
function wrkMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) return undefined;
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2]];
  return Math.round(Number(m[1]) * factor * 100) / 100;
}

function runWrk(url, seconds, script) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'wrk',
      [
        '-t1',
        `-c${CONNECTIONS}`,
        `-d${seconds}s`,
        '--latency',
        '--timeout',
        '5s',
        ...(script ? ['-s', join(root, 'bench/wrk', script)] : []),
        url,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out}`));
      const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
        out,
      );
      resolve({
        pid: child.pid,
        total,
        rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0)),
        p50: wrkMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
        p99: wrkMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
        errors: socket ? socket.slice(1).reduce((s, n) => s + Number(n), 0) : 0,
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
      });
    });
  });
}

async function runAutocannon(url, seconds) {
  const { default: autocannon } = await import('autocannon');
  const r = await new Promise((resolve, reject) =>
    autocannon({ url, connections: CONNECTIONS, duration: seconds }, (err, result) =>
      err ? reject(err) : resolve(result),
    ),
  );
  return {
    total: r.requests.total,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

const load = haveWrk ? runWrk : runAutocannon;

/**
 * One row: warm-up, then the measured run, with the CPU time per request of every process in
 * `procs` (by name; same-named processes are summed, e.g. web1..3 as "web") and their RSS.
 */
async function measure(label, url, procs, wrkScript) {
  await load(url, WARMUP, wrkScript);
  const before = procs.map((p) => cpuMs(p.child.pid));
  const r = await load(url, DURATION, wrkScript);
  const cpu = {};
  const rss = {};
  procs.forEach((p, i) => {
    const key = groupOf(p.name);
    const ms = cpuMs(p.child.pid) - before[i];
    cpu[key] = (cpu[key] ?? 0) + ms;
    rss[p.name] = rssMiB(p.child.pid);
  });
  const cpuUs = Object.fromEntries(
    Object.entries(cpu).map(([k, ms]) => [k, r.total ? Math.round((ms * 1000) / r.total) : null]),
  );
  const row = { label, ...r, cpuUsPerRequest: cpuUs, rssMiB: rss };
  delete row.pid;
  const cpuText = Object.entries(cpuUs)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(
    `  ${label.padEnd(44)} ${String(row.rps).padStart(7)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  err ${row.errors + row.non2xx}  CPU µs/req: ${cpuText}`,
  );
  return row;
}

/** web1..3 → web, lab1..3 → lab-node: the CPU column is per role. */
function groupOf(name) {
  if (/^web\d$/.test(name)) return 'web';
  if (/^lab\d$/.test(name)) return 'lab-node';
  return name;
}

// ---------------------------------------------------------------------------------------------

const phases = {};
const want = (phase) => !ONLY || ONLY.has(phase);

async function proxyOnly(haveNginx) {
  console.log('\n1. proxy-only (three trivial upstreams, weights 1:2:3)');
  const ups = await trivialUpstreams();
  const rows = { direct: await measure('direct (one upstream)', `${ups.urls[0]}/`, []) };
  for (const [key, label, env] of [
    ['gatewayShipped', 'gateway, as shipped', SHIPPED],
    ['gatewayWarn', 'gateway, defaults + LOG_LEVEL=warn', WARN],
    ['gatewayLean', 'gateway, lean', LEAN],
    ['gatewayWarnWorkers', 'gateway, defaults+warn, 2 workers', WARN_WORKERS],
  ]) {
    const gw = await gateway(ups.urls, env);
    rows[key] = await measure(label, `${gw.url}/`, [gw.proc]);
    await stop(gw.proc);
  }
  if (haveNginx) {
    const ng = await tunedNginx(ups.urls);
    rows.nginxTuned = await measure('nginx, tuned', `${ng.url}/`, [ng.proc]);
    await stop(ng.proc);
  }
  const floor = await minimalProxy(ups.urls);
  rows.minimalNodeProxy = await measure('minimal Node proxy (the floor)', `${floor.url}/`, [
    floor.proc,
  ]);
  await stopAll([floor.proc, ...ups.procs]);
  return rows;
}

async function oneNode() {
  console.log('\n2. one node alone (+ Redis)');
  const redis = await redisServer();
  const rows = {};
  const lab = await labNodes(redis.url, 1);
  rows.labNode = await measure('original lab node (Express 4)', `${lab.urls[0]}/`, [
    ...lab.procs,
    redis.proc,
  ]);
  await stopAll(lab.procs);
  for (const [key, label, env] of [
    ['webShipped', 'web node, as shipped', SHIPPED],
    ['webLean', 'web node, lean', LEAN],
  ]) {
    const web = await webNodes(redis.url, env, 1);
    rows[key] = await measure(label, `${web.urls[0]}/`, [...web.procs, redis.proc]);
    await stopAll(web.procs);
  }
  // What recording each hit's Idempotency-Key costs the node and Redis (issue #24): the lean
  // row again, every request with a key of its own (a wrk request hook; wrk only).
  if (haveWrk) {
    const web = await webNodes(redis.url, LEAN, 1);
    rows.webLeanKeyed = await measure(
      'web node, lean, Idempotency-Key per request',
      `${web.urls[0]}/`,
      [...web.procs, redis.proc],
      'idempotency-key.lua',
    );
    await stopAll(web.procs);
  }
  await stop(redis.proc);
  return rows;
}

async function cluster(haveNginx) {
  console.log('\n3. cluster (three nodes + Redis behind a proxy)');
  const redis = await redisServer();
  const rows = {};
  if (haveNginx) {
    const lab = await labNodes(redis.url);
    const labProxy = await labNginx(lab.urls);
    rows.labShipped = await measure('original lab, as shipped', `${labProxy.url}/`, [
      labProxy.proc,
      ...lab.procs,
      redis.proc,
    ]);
    await stop(labProxy.proc);
    const tuned = await tunedNginx(lab.urls);
    rows.labTunedNginx = await measure('original lab nodes, tuned nginx', `${tuned.url}/`, [
      tuned.proc,
      ...lab.procs,
      redis.proc,
    ]);
    await stopAll([tuned.proc, ...lab.procs]);
  }
  for (const [key, label, env] of [
    ['shipped', 'cluster, as shipped', SHIPPED],
    ['warn', 'cluster, defaults + LOG_LEVEL=warn', WARN],
    ['lean', 'cluster, lean', LEAN],
    ['warnWorkers', 'cluster, defaults+warn, 2 gw workers', WARN_WORKERS],
  ]) {
    const webs = await webNodes(redis.url, env);
    const gw = await gateway(webs.urls, env);
    rows[key] = await measure(label, `${gw.url}/`, [gw.proc, ...webs.procs, redis.proc]);
    await stopAll([gw.proc, ...webs.procs]);
  }
  await stop(redis.proc);
  return rows;
}

async function tracing() {
  console.log('\n4. tracing (the cluster through the gateway, LOG_LEVEL=warn, ACCESS_LOG=false)');
  const sink = await otlpSink();
  const quiet = { LOG_LEVEL: 'warn', ACCESS_LOG: 'false' };
  const rows = {};
  const redis = await redisServer();
  // SDK settings as shipped: NodeSDK's defaults (BSP 2048/512/5 s), the sampler the variables
  // name. Issue #21's targets, as ratios to the first row: no exporter >= 0.93, 10% >= 0.86,
  // every span >= 0.65 (goal 0.85).
  for (const [key, label, env] of [
    ['disabled', 'tracing disabled (OTEL_SDK_DISABLED=true)', { OTEL_SDK_DISABLED: 'true' }],
    ['noExporter', 'tracing on, no exporter (the default)', {}],
    [
      'sampled10',
      'tracing on, 10% parentbased sampled, exported',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      },
    ],
    ['exporting', 'tracing on, every span exported', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }],
    // Where the cost goes (docs/performance.md#tracing): the default without the baggage
    // propagator, and a tracer provider with its batch processor that samples nothing.
    [
      'noExporterW3C',
      'no exporter, OTEL_PROPAGATORS=tracecontext',
      { OTEL_PROPAGATORS: 'tracecontext' },
    ],
    [
      'sampled0',
      'exporter configured, parentbased ratio 0',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
      },
    ],
  ]) {
    const webs = await webNodes(redis.url, { ...quiet, ...env });
    const gw = await gateway(webs.urls, { ...quiet, ...env });
    rows[key] = await measure(label, `${gw.url}/`, [gw.proc, ...webs.procs, redis.proc, sink.proc]);
    // A row that "exports every span" but dropped some measured less work than it says.
    rows[key].spansDropped = await spansDropped([gw.adminUrl, ...webs.urls]);
    if (rows[key].spansDropped > 0)
      console.log(`  (${rows[key].spansDropped} spans dropped: otel_sdk_spans_dropped_total)`);
    await stopAll([gw.proc, ...webs.procs]);
  }
  await stop(redis.proc);
  rows.exportedBytes = await sink.bytes();
  await stop(sink.proc);
  return rows;
}

/** Sum of otel_sdk_spans_dropped_total over these apps' /metrics. */
async function spansDropped(baseUrls) {
  let total = 0;
  for (const base of baseUrls) {
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const [, n] of text.matchAll(/^otel_sdk_spans_dropped_total\{[^}]*\} (\d+)$/gm))
      total += Number(n);
  }
  return total;
}

async function main() {
  for (const app of ['web', 'gateway']) {
    try {
      readFileSync(join(appsRoot, 'dist/apps', app, 'main.js'));
    } catch {
      throw new Error(
        `${appsRoot}/dist/apps/${app}/main.js is missing: npm run bench builds first`,
      );
    }
  }
  const haveNginx = onPath('nginx');
  const results = {
    at: new Date().toISOString(),
    appsRoot,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    settings: {
      loadGenerator: haveWrk ? 'wrk -t1' : 'autocannon (fallback: wrk missing)',
      durationS: DURATION,
      warmupS: WARMUP,
      connections: CONNECTIONS,
    },
    phases,
  };
  console.log(
    `bench: ${results.settings.loadGenerator}, ${CONNECTIONS} connections, ${DURATION} s per row (+${WARMUP} s warm-up), ${results.machine.cpus} CPUs, node ${process.version}`,
  );
  if (!haveWrk)
    console.log(
      'bench: wrk is not on PATH (apt-get install wrk): FALLING BACK TO AUTOCANNON, a Node load generator that takes most of a core and flattens every ratio',
    );
  if (!haveNginx)
    console.log('bench: nginx is not on PATH: nginx rows skipped (apt-get install nginx-light)');

  if (want('proxy')) phases.proxyOnly = await proxyOnly(haveNginx);
  if (want('node')) phases.oneNode = await oneNode();
  if (want('cluster')) phases.cluster = await cluster(haveNginx);
  if (want('tracing')) phases.tracing = await tracing();

  const p = phases;
  const ratio = (a, b) => (a && b ? Math.round((a.rps / b.rps) * 100) / 100 : null);
  results.ratios = {
    'gateway defaults+warn / tuned nginx, proxy-only': ratio(
      p.proxyOnly?.gatewayWarn,
      p.proxyOnly?.nginxTuned,
    ),
    'gateway as shipped / tuned nginx, proxy-only': ratio(
      p.proxyOnly?.gatewayShipped,
      p.proxyOnly?.nginxTuned,
    ),
    'gateway lean / tuned nginx, proxy-only': ratio(
      p.proxyOnly?.gatewayLean,
      p.proxyOnly?.nginxTuned,
    ),
    'access log on / off (gateway as shipped / defaults+warn)': ratio(
      p.proxyOnly?.gatewayShipped,
      p.proxyOnly?.gatewayWarn,
    ),
    'gateway defaults+warn, 2 workers / 1 process, proxy-only': ratio(
      p.proxyOnly?.gatewayWarnWorkers,
      p.proxyOnly?.gatewayWarn,
    ),
    'cluster defaults+warn, 2 gateway workers / 1 process': ratio(
      p.cluster?.warnWorkers,
      p.cluster?.warn,
    ),
    'minimal Node proxy / tuned nginx, proxy-only': ratio(
      p.proxyOnly?.minimalNodeProxy,
      p.proxyOnly?.nginxTuned,
    ),
    'web node as shipped / lab node': ratio(p.oneNode?.webShipped, p.oneNode?.labNode),
    'web node lean / lab node': ratio(p.oneNode?.webLean, p.oneNode?.labNode),
    'web node lean, Idempotency-Key per request / without': ratio(
      p.oneNode?.webLeanKeyed,
      p.oneNode?.webLean,
    ),
    'cluster as shipped / lab as shipped': ratio(p.cluster?.shipped, p.cluster?.labShipped),
    'cluster defaults+warn / lab as shipped': ratio(p.cluster?.warn, p.cluster?.labShipped),
    'cluster lean / lab as shipped': ratio(p.cluster?.lean, p.cluster?.labShipped),
    'cluster as shipped / lab nodes behind tuned nginx': ratio(
      p.cluster?.shipped,
      p.cluster?.labTunedNginx,
    ),
    'cluster defaults+warn / lab nodes behind tuned nginx': ratio(
      p.cluster?.warn,
      p.cluster?.labTunedNginx,
    ),
    'cluster lean / lab nodes behind tuned nginx': ratio(p.cluster?.lean, p.cluster?.labTunedNginx),
    'tracing, no exporter / disabled (target >= 0.93)': ratio(
      p.tracing?.noExporter,
      p.tracing?.disabled,
    ),
    'tracing, 10% sampled / disabled (target >= 0.86)': ratio(
      p.tracing?.sampled10,
      p.tracing?.disabled,
    ),
    'tracing, exporting every span / disabled (target >= 0.65)': ratio(
      p.tracing?.exporting,
      p.tracing?.disabled,
    ),
    'tracing, no exporter, tracecontext only / disabled': ratio(
      p.tracing?.noExporterW3C,
      p.tracing?.disabled,
    ),
    'tracing, ratio-0 sampler with exporter / disabled': ratio(
      p.tracing?.sampled0,
      p.tracing?.disabled,
    ),
  };
  const rows = Object.values(phases).flatMap((ph) =>
    Object.values(ph).filter((r) => typeof r === 'object'),
  );
  results.errors = rows.reduce((total, r) => total + r.errors + r.non2xx, 0);

  console.log('\nratios (same run):');
  for (const [k, v] of Object.entries(results.ratios))
    if (v !== null) console.log(`  ${k.padEnd(60)} ${v}`);
  console.log(`  errors + non-2xx, all rows                               ${results.errors}`);

  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${results.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (process.env.BENCH_RESULTS)
    writeFileSync(process.env.BENCH_RESULTS, `${JSON.stringify(results, null, 2)}\n`);
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
