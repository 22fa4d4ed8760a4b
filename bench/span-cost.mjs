#!/usr/bin/env node
// node bench/span-cost.mjs — CPU per span, in one process: the OpenTelemetry JS SDK
// (TracerProvider + BatchSpanProcessor's work + the OTLP/protobuf serializer its exporter uses)
// against this project's lean tracer (libs/observability/src/tracing: LeanTracerProvider +
// encodeTraceRequest), for the spans the cluster makes: an HTTP server span with 8 attributes
// and a client span with 5, ended and encoded in batches of 512. No network: what is compared
// is the work each does per span on the request's thread. A benchmark, it asserts nothing.
//
// Reads the built lean tracer from dist/ (npm run build first: this runs it from dist/bench-span).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { AlwaysOnSampler, ParentBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/bench-span');
// Compile the lean tracer's three files to CommonJS once (tsc, no bundler needed).
execFileSync(
  join(root, 'node_modules/.bin/tsc'),
  [
    '--outDir',
    out,
    '--module',
    'commonjs',
    '--target',
    'es2022',
    '--moduleResolution',
    'node',
    '--esModuleInterop',
    '--skipLibCheck',
    join(root, 'libs/observability/src/tracing/lean-tracer.ts'),
    join(root, 'libs/observability/src/tracing/otlp-proto.ts'),
    join(root, 'libs/observability/src/tracing/sampler.ts'),
  ],
  { stdio: 'inherit' },
);
const require = createRequire(import.meta.url);
const { LeanTracerProvider } = require(join(out, 'lean-tracer.js'));
const { encodeTraceRequest } = require(join(out, 'otlp-proto.js'));
const { samplerFromEnv } = require(join(out, 'sampler.js'));

const SPANS = Number(process.env.SPANS ?? 200_000);
const BATCH = 512;
const parent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});

/** Two spans per iteration (server + client), like one hop of a request. */
function makeSpans(tracer) {
  const server = tracer.startSpan(
    'GET',
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'url.path': '/',
        'url.scheme': 'http',
        'network.protocol.version': '1.1',
        'client.address': '127.0.0.1',
        'user_agent.original': 'wrk',
        'server.address': '127.0.0.1',
        'server.port': 8080,
      },
    },
    parent,
  );
  const client = tracer.startSpan(
    'EVALSHA',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'redis',
        'db.operation.name': 'EVALSHA',
        'db.namespace': '0',
        'server.address': '127.0.0.1',
        'server.port': 6379,
      },
    },
    trace.setSpan(parent, server),
  );
  client.end();
  server.setAttribute('http.route', '/');
  server.setAttribute('http.response.status_code', 200);
  server.updateName('GET /');
  server.end();
}

function run(label, tracer, flush) {
  // Warm-up, then the measured round.
  for (let i = 0; i < 20_000; i++) makeSpans(tracer);
  flush();
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < SPANS / 2; i++) makeSpans(tracer);
  const bytes = flush();
  const cpu = process.cpuUsage(cpuBefore);
  const ms = performance.now() - t0;
  const usPerSpan = ((cpu.user + cpu.system) / SPANS).toFixed(2);
  console.log(
    `${label.padEnd(44)} ${usPerSpan} µs CPU per span  (${(ms / 1000).toFixed(2)} s wall, ${Math.round(bytes / SPANS)} bytes/span encoded)`,
  );
  return Number(usPerSpan);
}

// The SDK: what BatchSpanProcessor + OTLPTraceExporter do per span, minus the network: spans
// are collected on end and serialized in batches of 512 by the exporter's serializer.
let sdkEnded = [];
const sdk = new TracerProvider({
  sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  spanProcessors: [
    {
      onStart() {},
      onEnd(span) {
        sdkEnded.push(span);
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    },
  ],
});
const sdkFlush = () => {
  let bytes = 0;
  for (let i = 0; i < sdkEnded.length; i += BATCH)
    bytes += ProtobufTraceSerializer.serializeRequest(sdkEnded.slice(i, i + BATCH)).length;
  sdkEnded = [];
  return bytes;
};

let leanEnded = [];
const lean = new LeanTracerProvider(samplerFromEnv(undefined, undefined), {
  add: (s) => leanEnded.push(s),
});
const resource = { 'service.name': 'web', 'telemetry.sdk.language': 'nodejs' };
const leanFlush = () => {
  let bytes = 0;
  for (let i = 0; i < leanEnded.length; i += BATCH)
    bytes += encodeTraceRequest(resource, leanEnded.slice(i, i + BATCH)).length;
  leanEnded = [];
  return bytes;
};

console.log(`span-cost: ${SPANS} spans each, node ${process.version}`);
const a = run('OpenTelemetry SDK + OTLP/protobuf serializer', sdk.getTracer('bench'), sdkFlush);
const b = run('lean tracer + encodeTraceRequest', lean.getTracer('bench'), leanFlush);
console.log(`lean / SDK CPU per span: ${(b / a).toFixed(2)}`);
