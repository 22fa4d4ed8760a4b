#!/usr/bin/env node
// node bench/span-cost.mjs — CPU per span of the OpenTelemetry JS SDK (@opentelemetry/sdk-trace,
// the tracer provider NodeSDK registers) in the configurations that matter here, in one
// process: the spans of one request hop as the apps make them (an HTTP server span with 8
// attributes, a Redis client span with 5 under it, route and status set at the end), ended into
// a real BatchSpanProcessor whose exporter serializes each batch to OTLP/protobuf with the
// SDK's own serializer (what the OTLP/HTTP exporter does before the network). No network: what
// is compared is the work on the request's thread plus the encoding. A benchmark, it asserts
// nothing; the figures go to docs/performance.md.
//
// Rows:
//   no tracer provider         NodeSDK without a span processor (no exporter configured): the
//                              API's no-op tracer, which is what the apps run by default
//   unsampled, attrs at start  a parent that did not sample (the 90% of a 10% ratio), the
//                              server span's attributes passed to startSpan (the SDK copies
//                              and validates them before the sampler drops the span)
//   unsampled, attrs after     the same, attributes set only once the span records (what
//                              libs/observability/src/http-server-span.ts does)
//   recorded, defaults         every span recorded and exported, SDK defaults (BSP 2048/512,
//                              no attribute value length limit)
//   recorded, attrs at start   the same, server attributes passed at start instead
//   recorded, value limit 64   OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT=64 (truncation checks)
//   recorded, batch 128/2048   BSP maxExportBatchSize 128 and 2048 (maxQueueSize 8192)
//
// SPANS/2 hops (SPANS 200000) per row after a warm-up, CPU divided by the spans started (an
// unsampled hop starts one); the loop yields every 256 hops so the batch processor's export
// runs as it would between requests.
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

const SPANS = Number(process.env.SPANS ?? 200_000);
const HOPS = SPANS / 2;
const parentOf = (traceFlags) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags,
    isRemote: true,
  });
const SAMPLED = parentOf(TraceFlags.SAMPLED);
const UNSAMPLED = parentOf(TraceFlags.NONE);

const serverAttributes = () => ({
  'http.request.method': 'GET',
  'url.path': '/',
  'url.scheme': 'http',
  'network.protocol.version': '1.1',
  'client.address': '127.0.0.1',
  'user_agent.original': 'wrk',
  'server.address': '127.0.0.1',
  'server.port': 8080,
});
// Built once, like hit.pipeline.ts does: the Redis span's attributes never change.
const CLIENT = {
  kind: SpanKind.CLIENT,
  attributes: {
    'db.system.name': 'redis',
    'db.operation.name': 'EVALSHA',
    'db.namespace': '0',
    'server.address': '127.0.0.1',
    'server.port': 6379,
  },
};

/** One hop: server span, a client span under it when the server span records; spans started. */
function hop(tracer, parent, attributesAtStart) {
  const server = tracer.startSpan(
    'GET',
    attributesAtStart
      ? { kind: SpanKind.SERVER, attributes: serverAttributes() }
      : { kind: SpanKind.SERVER },
    parent,
  );
  if (!server.isRecording()) return 1;
  if (!attributesAtStart) server.setAttributes(serverAttributes());
  tracer.startSpan('EVALSHA', CLIENT, trace.setSpan(parent, server)).end();
  server.setAttribute('http.route', '/');
  server.setAttribute('http.response.status_code', 200);
  server.updateName('GET /');
  server.end();
  return 2;
}

/** An exporter that does the OTLP/HTTP exporter's work short of the network. */
function serializingExporter() {
  const exporter = {
    bytes: 0,
    spans: 0,
    export(spans, done) {
      exporter.bytes += ProtobufTraceSerializer.serializeRequest(spans).length;
      exporter.spans += spans.length;
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
  return exporter;
}

const resource = defaultResource().merge(resourceFromAttributes({ 'service.name': 'web' }));

function sdk({ spanLimits, bsp } = {}) {
  const exporter = serializingExporter();
  const provider = new TracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanLimits,
    spanProcessors: [new BatchSpanProcessor({ exporter, ...bsp })],
  });
  return { tracer: provider.getTracer('bench'), provider, exporter };
}

async function loop(tracer, parent, attributesAtStart, hops) {
  let started = 0;
  for (let i = 0; i < hops; i++) {
    started += hop(tracer, parent, attributesAtStart);
    if (i % 256 === 255) await yieldTurn();
  }
  return started;
}

async function row(label, { tracer, provider, exporter }, parent, attributesAtStart) {
  await loop(tracer, parent, attributesAtStart, 20_000);
  await provider?.forceFlush();
  const exportedBefore = exporter?.spans ?? 0;
  const bytesBefore = exporter?.bytes ?? 0;
  const cpuBefore = process.cpuUsage();
  const started = await loop(tracer, parent, attributesAtStart, HOPS);
  await provider?.forceFlush();
  const cpu = process.cpuUsage(cpuBefore);
  const exported = (exporter?.spans ?? 0) - exportedBefore;
  const us = (cpu.user + cpu.system) / started;
  const bytes = exported ? Math.round(((exporter?.bytes ?? 0) - bytesBefore) / exported) : 0;
  console.log(
    `${label.padEnd(34)} ${us.toFixed(2).padStart(5)} µs CPU per span   ${String(exported).padStart(7)} exported` +
      (bytes ? `, ${bytes} bytes/span` : ''),
  );
  await provider?.shutdown();
  return us;
}

console.log(`span-cost: ${SPANS} spans per row (${HOPS} hops), node ${process.version}`);
const noop = { tracer: trace.getTracer('bench') };
await row('no tracer provider (default)', noop, SAMPLED, false);
await row('unsampled, attrs at start', sdk(), UNSAMPLED, true);
await row('unsampled, attrs after (ours)', sdk(), UNSAMPLED, false);
await row('recorded, defaults (ours)', sdk(), SAMPLED, false);
await row('recorded, attrs at start', sdk(), SAMPLED, true);
await row(
  'recorded, value length limit 64',
  sdk({ spanLimits: { attributeValueLengthLimit: 64 } }),
  SAMPLED,
  false,
);
await row(
  'recorded, BSP batch 128',
  sdk({ bsp: { maxExportBatchSize: 128, maxQueueSize: 8192 } }),
  SAMPLED,
  false,
);
await row(
  'recorded, BSP batch 2048',
  sdk({ bsp: { maxExportBatchSize: 2048, maxQueueSize: 8192 } }),
  SAMPLED,
  false,
);
