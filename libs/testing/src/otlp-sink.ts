import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The decoder: opentelemetry-proto's `ExportTraceServiceRequest` as protobufjs compiled it from
 * the official .proto files (collector/trace/v1, trace/v1, common/v1, resource/v1), shipped in
 * `@opentelemetry/otlp-transformer@0.57` (package.json alias `otlp-official-proto`). Nothing of
 * this project, and not the SDK version that encodes our spans (0.301 writes protobuf with its
 * own encoder), so it checks the bytes independently.
 */
interface ProtoType {
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: object): unknown;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a generated CommonJS module without usable types
const root = require('otlp-official-proto/build/src/generated/root.js') as {
  opentelemetry: {
    proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType } } } };
  };
};
const ExportTraceServiceRequest =
  root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** A span as decoded, with hex ids and the resource's `service.name` beside it. */
export interface DecodedSpan {
  service: string;
  /** The resource's attributes (service.name included). */
  resource: Record<string, string | number | boolean>;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: number;
}

interface DecodedRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: KeyValue[];
        status?: { code?: number };
      }[];
    }[];
  }[];
}
interface KeyValue {
  key: string;
  value?: { stringValue?: string; intValue?: string; boolValue?: boolean; doubleValue?: number };
}

/** Decode one OTLP/protobuf export request body into spans. */
export function decodeTraceRequest(body: Uint8Array): DecodedSpan[] {
  const request = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
    longs: String,
    bytes: String, // base64
    defaults: false,
  }) as DecodedRequest;
  const hex = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('hex');
  const spans: DecodedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = attributesOf(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          service: String(resource['service.name']),
          resource,
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          kind: s.kind ?? 0,
          attributes: attributesOf(s.attributes),
          status: s.status?.code ?? 0,
        });
      }
    }
  }
  return spans;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (value?.stringValue !== undefined) result[key] = value.stringValue;
    else if (value?.intValue !== undefined) result[key] = Number(value.intValue);
    else if (value?.boolValue !== undefined) result[key] = value.boolValue;
    else if (value?.doubleValue !== undefined) result[key] = value.doubleValue;
  }
  return result;
}

/**
 * An OTLP/HTTP receiver standing in for the collector: it answers every export with `status`
 * (200 unless told) and keeps the protobuf bodies posted to `/v1/traces`.
 */
export class OtlpSink {
  private constructor(
    private readonly server: Server,
    /** The base endpoint (OTEL_EXPORTER_OTLP_ENDPOINT). */
    readonly url: string,
    readonly bodies: Buffer[],
  ) {}

  static async start(options: { status?: number } = {}): Promise<OtlpSink> {
    const bodies: Buffer[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks));
        res.writeHead(options.status ?? 200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return new OtlpSink(server, `http://127.0.0.1:${port}`, bodies);
  }

  /** Every span received so far, decoded with the official definitions. */
  spans(): DecodedSpan[] {
    return this.bodies.flatMap((b) => decodeTraceRequest(b));
  }

  /** The spans of one trace. */
  trace(traceIdHex: string): DecodedSpan[] {
    return this.spans().filter((s) => s.traceId === traceIdHex);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
