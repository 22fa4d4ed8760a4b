#!/usr/bin/env node
// node bench/instrumentation-cost.mjs — what the standard instrumentation packages would cost
// the web node's hot path (issue #21: keep one only if its measured cost is worth it). One
// child process per configuration (instrumentations patch modules at require time and cannot
// be undone): NodeSDK recording every span into a BatchSpanProcessor whose exporter encodes
// OTLP/protobuf (no network), an http server that runs one Redis command per request (as a
// hit does), REQUESTS sequential requests from fetch (undici, which instrumentation-http does
// not patch, so the client side costs the same in every row). Per row: spans per request
// (counted, independent of the machine's load) and CPU per request of the whole process
// (user + system; noisy on a shared machine). A benchmark, it asserts nothing.
//
//   none      no instrumentation: the server span and the Redis span made by hand, as the
//             apps do
//   http      @opentelemetry/instrumentation-http instead of the hand-made server span
//   ioredis   @opentelemetry/instrumentation-ioredis instead of the hand-made Redis span
//   both      both packages, no hand-made span
// Every row records two spans per request; the differences are the packages' own work.
//
// Needs redis-server on PATH. REQUESTS (5000) per row after 500 warm-up requests.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

const REQUESTS = Number(process.env.REQUESTS ?? 5000);
const self = fileURLToPath(import.meta.url);

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

async function child(mode, redisPort) {
  const require = createRequire(import.meta.url);
  const { NodeSDK } = require('@opentelemetry/sdk-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace');
  const { ExportResultCode } = require('@opentelemetry/core');
  const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis');
  let exported = 0;
  const exporter = {
    export(spans, done) {
      ProtobufTraceSerializer.serializeRequest(spans);
      exported += spans.length;
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => Promise.resolve(),
  };
  const instrumentations = [];
  if (mode === 'http' || mode === 'both') instrumentations.push(new HttpInstrumentation());
  if (mode === 'ioredis' || mode === 'both') instrumentations.push(new IORedisInstrumentation());
  const sdk = new NodeSDK({
    spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 65536 })],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations,
  });
  sdk.start();
  // Required after start, as main.ts loads the app after startTracing.
  const api = require('@opentelemetry/api');
  const http = require('node:http');
  const Redis = require('ioredis');
  const redis = new Redis({ port: redisPort, host: '127.0.0.1' });
  const tracer = api.trace.getTracer('bench');
  const handCrafted = mode === 'none' || mode === 'ioredis';
  const handRedisSpan = mode === 'none' || mode === 'http';
  const REDIS_SPAN = {
    kind: api.SpanKind.CLIENT,
    attributes: { 'db.system.name': 'redis', 'db.operation.name': 'INCR' },
  };
  const incr = () => {
    if (!handRedisSpan) return redis.incr('counter');
    const span = tracer.startSpan('INCR', REDIS_SPAN);
    return redis.incr('counter').finally(() => span.end());
  };
  const handle = (res) =>
    incr().then(() => res.writeHead(200, { 'content-length': '2' }).end('ok'));
  const server = http.createServer((req, res) => {
    if (!handCrafted) return void handle(res);
    const parent = api.propagation.extract(api.ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan('GET', { kind: api.SpanKind.SERVER }, parent);
    span.setAttributes({ 'http.request.method': 'GET', 'url.path': req.url, 'url.scheme': 'http' });
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      span.end();
    });
    api.context.with(api.trace.setSpan(parent, span), () => void handle(res));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const provider = api.trace.getTracerProvider().getDelegate();
  for (let i = 0; i < 500; i++) await (await fetch(url)).text();
  await provider.forceFlush();
  exported = 0;
  const cpu = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) await (await fetch(url)).text();
  await provider.forceFlush();
  const used = process.cpuUsage(cpu);
  const spans = exported / REQUESTS;
  redis.disconnect();
  server.close();
  await sdk.shutdown();
  process.send({ mode, cpuUs: (used.user + used.system) / REQUESTS, spans });
}

async function main() {
  const port = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await sleep(300);
  try {
    console.log(`instrumentation-cost: ${REQUESTS} requests per row, node ${process.version}`);
    for (const mode of ['none', 'http', 'ioredis', 'both']) {
      const proc = spawn(process.execPath, [self, mode, String(port)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const result = await new Promise((resolve, reject) => {
        proc.once('message', resolve);
        proc.once('exit', (code) => reject(new Error(`${mode}: exited ${code}`)));
      });
      proc.kill();
      console.log(
        `${mode.padEnd(8)} ${result.spans.toFixed(2)} spans per request, ${result.cpuUs.toFixed(1).padStart(6)} µs CPU per request`,
      );
    }
  } finally {
    redis.kill();
  }
}

if (process.argv[2]) await child(process.argv[2], Number(process.argv[3]));
else await main();
